//! The door of the page: the sign-in form, the session cookie (HttpOnly,
//! SameSite=Strict, Secure beyond loopback), and [`Signed`], the extractor
//! every page takes, which refuses a request without a current session.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use serde::Deserialize;

use super::auth::{self, Supervisor};
use super::{internal_error, WebState};

/// The session cookie's name.
pub const COOKIE: &str = "onestop_session";

/// A request from a signed-in supervisor.
pub struct Signed(pub Supervisor);

/// The address a request came from ("" when the listener does not say).
pub fn address(parts_extensions: &axum::http::Extensions) -> String {
    parts_extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip().to_string())
        .unwrap_or_default()
}

/// The session secret in the request's cookies, if any.
fn session_secret(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value.trim().to_string())
}

impl FromRequestParts<WebState> for Signed {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &WebState) -> Result<Self, Response> {
        let Some(secret) = session_secret(&parts.headers) else {
            return Err(refused(state, ""));
        };
        match auth::session(state.desk.pool(), &secret).await {
            Ok(Some(supervisor)) => Ok(Signed(supervisor)),
            Ok(None) => Err(refused(state, "로그인이 끝났거나 올바르지 않습니다.")),
            Err(e) => Err(internal_error(e)),
        }
    }
}

/// 401 with the sign-in form, so a browser can sign in right there.
fn refused(state: &WebState, message: &str) -> Response {
    let page = state.templates.render(
        "signin.html",
        minijinja::context! { title => "로그인", message => message },
    );
    match page {
        Ok(html) => (StatusCode::UNAUTHORIZED, axum::response::Html(html)).into_response(),
        Err(e) => internal_error(e),
    }
}

/// GET /signin.
pub async fn form(State(state): State<WebState>) -> Response {
    match state.templates.render(
        "signin.html",
        minijinja::context! { title => "로그인", message => "" },
    ) {
        Ok(html) => axum::response::Html(html).into_response(),
        Err(e) => internal_error(e),
    }
}

#[derive(Deserialize)]
pub struct SignInForm {
    #[serde(default)]
    token: String,
}

/// POST /signin: a token for a session cookie.
pub async fn sign_in(State(state): State<WebState>, request: axum::extract::Request) -> Response {
    let from = address(request.extensions());
    let Ok(Form(SignInForm { token })) = Form::<SignInForm>::from_request(request, &state).await
    else {
        return refused(&state, "토큰을 입력해 주세요.");
    };
    match auth::sign_in(state.desk.pool(), &token, &from).await {
        Ok(Some(session)) => {
            let mut cookie = format!(
                "{COOKIE}={}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}",
                session.secret,
                auth::SESSION_HOURS * 3600
            );
            if state.secure_cookies {
                cookie.push_str("; Secure");
            }
            ([(header::SET_COOKIE, cookie)], Redirect::to("/now")).into_response()
        }
        Ok(None) => refused(&state, "토큰이 올바르지 않거나 취소되었습니다."),
        Err(e) => internal_error(e),
    }
}

/// POST /signout: ends the session and clears the cookie.
pub async fn sign_out(State(state): State<WebState>, headers: HeaderMap) -> Response {
    if let Some(secret) = session_secret(&headers) {
        if let Err(e) = auth::sign_out(state.desk.pool(), &secret).await {
            return internal_error(e);
        }
    }
    let clear = format!("{COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
    ([(header::SET_COOKIE, clear)], Redirect::to("/signin")).into_response()
}
