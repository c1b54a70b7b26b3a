//! Who may see the supervisor's page: supervisors and their tokens (printed
//! once, kept only as SHA-256), sign-in sessions (a random secret in a
//! cookie, kept only as SHA-256), and the audit log of sign-ins and exports.
//! Owns the tables `supervisors`, `supervisor_sessions` and `audit_log`.

use anyhow::{bail, Context, Result};
use sha2::{Digest, Sha256};
use sqlx::PgPool;
use tracing::info;

/// How long a sign-in lasts.
pub const SESSION_HOURS: i64 = 12;

/// Longest supervisor name.
const MAX_NAME: usize = 64;

/// A fresh secret: 32 random bytes as 64 hexadecimal digits.
fn new_secret() -> Result<String> {
    let mut bytes = [0u8; 32];
    getrandom::getrandom(&mut bytes).context("reading random bytes for a secret")?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// How a token or a session secret is stored.
fn digest(secret: &str) -> Vec<u8> {
    Sha256::digest(secret.trim().as_bytes()).to_vec()
}

/// A supervisor as `supervisor list` shows them.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SupervisorRow {
    pub name: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub revoked_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// `supervisor add NAME`: a new supervisor and their token, returned once
/// (only its digest is stored). A name that already has a working token is
/// refused.
pub async fn add_supervisor(pool: &PgPool, name: &str) -> Result<String> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME || name.chars().any(char::is_control) {
        bail!("a supervisor's name is 1 to {MAX_NAME} characters without control characters");
    }
    let token = new_secret()?;
    let added = sqlx::query(
        "INSERT INTO supervisors (name, token_sha256) VALUES ($1, $2) ON CONFLICT DO NOTHING",
    )
    .bind(name)
    .bind(digest(&token))
    .execute(pool)
    .await
    .context("adding a supervisor")?;
    if added.rows_affected() == 0 {
        bail!(
            "supervisor '{name}' already has a token; `onestop supervisor remove {name}` first to give them a new one"
        );
    }
    info!(supervisor = name, "supervisor added");
    Ok(token)
}

/// `supervisor remove NAME`: their token and every session stop working.
/// Whether there was a working token to revoke.
pub async fn remove_supervisor(pool: &PgPool, name: &str) -> Result<bool> {
    let mut tx = pool.begin().await?;
    let ids: Vec<i64> = sqlx::query_scalar(
        "UPDATE supervisors SET revoked_at = now() WHERE name = $1 AND revoked_at IS NULL RETURNING id",
    )
    .bind(name.trim())
    .fetch_all(&mut *tx)
    .await
    .context("revoking a supervisor")?;
    sqlx::query("DELETE FROM supervisor_sessions WHERE supervisor_id = ANY($1)")
        .bind(&ids)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(!ids.is_empty())
}

/// Every supervisor, removed ones included, by name.
pub async fn supervisors(pool: &PgPool) -> Result<Vec<SupervisorRow>> {
    Ok(sqlx::query_as(
        "SELECT name, created_at, revoked_at FROM supervisors ORDER BY name, created_at",
    )
    .fetch_all(pool)
    .await?)
}

/// A signed-in supervisor, by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Supervisor {
    pub name: String,
}

/// A new session: the secret for the cookie.
pub struct Session {
    pub secret: String,
    pub supervisor: Supervisor,
}

/// Signs in with a token: a new session, or `None` for a token that is
/// unknown or revoked. Both are written to the audit log.
pub async fn sign_in(pool: &PgPool, token: &str, address: &str) -> Result<Option<Session>> {
    let found: Option<(i64, String)> = sqlx::query_as(
        "SELECT id, name FROM supervisors WHERE token_sha256 = $1 AND revoked_at IS NULL",
    )
    .bind(digest(token))
    .fetch_optional(pool)
    .await
    .context("looking up a token")?;
    let Some((id, name)) = found else {
        audit(pool, None, "sign_in_refused", "", address).await?;
        return Ok(None);
    };
    let secret = new_secret()?;
    sqlx::query(
        "INSERT INTO supervisor_sessions (secret_sha256, supervisor_id, expires_at) \
         VALUES ($1, $2, now() + make_interval(hours => $3::int))",
    )
    .bind(digest(&secret))
    .bind(id)
    .bind(SESSION_HOURS as i32)
    .execute(pool)
    .await
    .context("starting a session")?;
    audit(pool, Some(&name), "sign_in", "", address).await?;
    Ok(Some(Session {
        secret,
        supervisor: Supervisor { name },
    }))
}

/// The supervisor a cookie's secret belongs to, if its session is current
/// and their token not revoked.
pub async fn session(pool: &PgPool, secret: &str) -> Result<Option<Supervisor>> {
    if secret.len() != 64 || !secret.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(None);
    }
    let name: Option<String> = sqlx::query_scalar(
        "SELECT s.name FROM supervisor_sessions x JOIN supervisors s ON s.id = x.supervisor_id \
         WHERE x.secret_sha256 = $1 AND x.expires_at > now() AND s.revoked_at IS NULL",
    )
    .bind(digest(secret))
    .fetch_optional(pool)
    .await
    .context("looking up a session")?;
    Ok(name.map(|name| Supervisor { name }))
}

/// Ends a session (signing out), and any expired ones.
pub async fn sign_out(pool: &PgPool, secret: &str) -> Result<()> {
    sqlx::query("DELETE FROM supervisor_sessions WHERE secret_sha256 = $1 OR expires_at <= now()")
        .bind(digest(secret))
        .execute(pool)
        .await
        .context("ending a session")?;
    Ok(())
}

/// Writes one line of the audit log.
pub async fn audit(
    pool: &PgPool,
    supervisor: Option<&str>,
    action: &str,
    detail: &str,
    address: &str,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO audit_log (supervisor, action, detail, address) VALUES ($1, $2, $3, $4)",
    )
    .bind(supervisor)
    .bind(action)
    .bind(detail)
    .bind(address)
    .execute(pool)
    .await
    .context("writing the audit log")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_fresh_and_stored_only_as_their_digest() {
        let (a, b) = (new_secret().unwrap(), new_secret().unwrap());
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
        assert_eq!(digest(&a).len(), 32);
        assert_ne!(digest(&a), a.as_bytes());
        assert_eq!(digest(&a), digest(&format!(" {a}\n")));
    }
}
