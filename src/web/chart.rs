//! Charts drawn on the server as SVG, readable without colour: each series
//! has its own line pattern and marker shape, named in a legend, on a
//! labeled grid. Hand-written: a few lines of SVG build faster than a
//! plotting crate on this machine.

use std::fmt::Write;

/// One line of a chart: its name and one value per x label.
pub struct Series<'a> {
    pub name: &'a str,
    pub values: Vec<i64>,
}

const WIDTH: f64 = 760.0;
const HEIGHT: f64 = 300.0;
const LEFT: f64 = 48.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 40.0;
const BOTTOM: f64 = 44.0;

/// Line pattern and marker of the n-th series.
const STYLES: [(&str, Marker); 3] = [
    ("", Marker::Circle),
    ("8 4", Marker::Square),
    ("2 3", Marker::Triangle),
];

#[derive(Clone, Copy)]
enum Marker {
    Circle,
    Square,
    Triangle,
}

fn marker(out: &mut String, kind: Marker, x: f64, y: f64) {
    let _ = match kind {
        Marker::Circle => write!(
            out,
            r##"<circle cx="{x:.1}" cy="{y:.1}" r="3.5" fill="#fff" stroke="#000"/>"##
        ),
        Marker::Square => write!(
            out,
            r##"<rect x="{:.1}" y="{:.1}" width="7" height="7" fill="#000"/>"##,
            x - 3.5,
            y - 3.5
        ),
        Marker::Triangle => write!(
            out,
            r##"<path d="M{:.1} {:.1}L{:.1} {:.1}L{:.1} {:.1}Z" fill="#777" stroke="#000"/>"##,
            x,
            y - 4.5,
            x + 4.5,
            y + 3.5,
            x - 4.5,
            y + 3.5
        ),
    };
}

/// Escapes text for SVG.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A step for the y axis giving at most about five grid lines.
fn step(max: i64) -> i64 {
    let raw = (max as f64 / 5.0).max(1.0);
    let magnitude = 10f64.powf(raw.log10().floor());
    let nice = [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * magnitude)
        .find(|s| *s >= raw)
        .unwrap_or(raw);
    nice.ceil() as i64
}

/// A line chart of `series` over `labels` (up to three series), titled.
pub fn lines(title: &str, labels: &[String], series: &[Series<'_>]) -> String {
    let max = series
        .iter()
        .flat_map(|s| s.values.iter().copied())
        .max()
        .unwrap_or(0)
        .max(1);
    let step = step(max);
    let top_value = (max + step - 1) / step * step;
    let plot_w = WIDTH - LEFT - RIGHT;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let n = labels.len().max(1);
    let x = |i: usize| {
        LEFT + if n == 1 {
            plot_w / 2.0
        } else {
            plot_w * i as f64 / (n - 1) as f64
        }
    };
    let y = |v: i64| TOP + plot_h * (1.0 - v as f64 / top_value as f64);
    let mut out = String::new();
    let _ = write!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" role="img" aria-label="{t}" font-family="sans-serif" font-size="12"><title>{t}</title>"#,
        t = escape(title)
    );
    let mut grid = 0;
    while grid <= top_value {
        let gy = y(grid);
        let _ = write!(
            out,
            r##"<line x1="{LEFT}" y1="{gy:.1}" x2="{:.1}" y2="{gy:.1}" stroke="#ccc"/><text x="{:.1}" y="{:.1}" text-anchor="end">{grid}</text>"##,
            WIDTH - RIGHT,
            LEFT - 6.0,
            gy + 4.0
        );
        grid += step;
    }
    let every = n.div_ceil(10).max(1);
    for (i, label) in labels.iter().enumerate() {
        if i % every == 0 || i + 1 == n {
            let _ = write!(
                out,
                r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
                x(i),
                HEIGHT - BOTTOM + 18.0,
                escape(label)
            );
        }
    }
    let _ = write!(
        out,
        r##"<line x1="{LEFT}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="#000"/>"##,
        TOP + plot_h,
        WIDTH - RIGHT,
        TOP + plot_h
    );
    for (k, s) in series.iter().take(STYLES.len()).enumerate() {
        let (dash, kind) = STYLES[k];
        let points: Vec<String> = s
            .values
            .iter()
            .enumerate()
            .map(|(i, v)| format!("{:.1},{:.1}", x(i), y(*v)))
            .collect();
        let _ = write!(
            out,
            r##"<polyline points="{}" fill="none" stroke="#000" stroke-width="2" stroke-dasharray="{dash}"/>"##,
            points.join(" ")
        );
        for (i, v) in s.values.iter().enumerate() {
            marker(&mut out, kind, x(i), y(*v));
        }
        let lx = LEFT + 150.0 * k as f64;
        let _ = write!(
            out,
            r##"<line x1="{lx}" y1="16" x2="{:.1}" y2="16" stroke="#000" stroke-width="2" stroke-dasharray="{dash}"/>"##,
            lx + 34.0
        );
        marker(&mut out, kind, lx + 17.0, 16.0);
        let _ = write!(
            out,
            r#"<text x="{:.1}" y="20">{}</text>"#,
            lx + 40.0,
            escape(s.name)
        );
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_are_round_numbers() {
        assert_eq!(step(1), 1);
        assert_eq!(step(7), 2);
        assert_eq!(step(40), 10);
        assert_eq!(step(230), 50);
    }

    #[test]
    fn every_series_has_its_own_pattern_and_a_legend() {
        let labels = vec!["03-01".to_string(), "03-02".to_string()];
        let svg = lines(
            "접수 <추이>",
            &labels,
            &[
                Series {
                    name: "접수",
                    values: vec![3, 5],
                },
                Series {
                    name: "담당",
                    values: vec![1, 4],
                },
                Series {
                    name: "해결",
                    values: vec![0, 2],
                },
            ],
        );
        assert_eq!(svg.matches("<polyline").count(), 3);
        assert!(
            svg.contains(r#"stroke-dasharray="8 4""#) && svg.contains(r#"stroke-dasharray="2 3""#)
        );
        assert!(svg.contains(">접수</text>") && svg.contains(">해결</text>"));
        assert!(svg.contains("접수 &lt;추이&gt;") && !svg.contains("<추이>"));
    }
}
