//! API versions, checked in one place. Hosted-API SDKs send a date version in the path
//! (`/2023-01/users`, `/2024-03/users`) or, in newer releases, in an `x-api-version`
//! header (`2025-09`); usher accepts every `YYYY-MM` from [`FIRST`] up to December of
//! next year, either way, or none at all, and answers every version the same.
//!
//! ```text
//! request ─► strip_prefix (before routing: `/2024-03/users` → `/users` + PathVersion)
//!         ─► router ─► API route:     check (path and header agree and are valid, or 400)
//!                   └► other route:   unversioned (a prefixed path is not one of them: 404)
//!                   └► no route:      fallback (a bad prefix is still a 400)
//! ```
//!
//! Stripping happens before routing because axum routes cannot take a variable prefix
//! without handing every handler an extra path parameter.

use axum::extract::Request;
use axum::http::Uri;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::http::error::AppError;

/// The header newer SDKs send instead of a path prefix.
pub const HEADER: &str = "x-api-version";

/// The oldest version the hosted API's SDKs sent, and so the oldest accepted.
pub const FIRST: Version = Version { year: 2023, month: 1 };

/// A date version, `YYYY-MM`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Version {
    year: u16,
    month: u8,
}

impl std::fmt::Display for Version {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

impl Version {
    /// Reads exactly `YYYY-MM` (month 01 to 12); `None` for anything else.
    pub fn parse(text: &str) -> Option<Version> {
        let b = text.as_bytes();
        let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
        if b.len() != 7 || b[4] != b'-' || !digits(0..4) || !digits(5..7) {
            return None;
        }
        let year = text[..4].parse().ok()?;
        let month = text[5..].parse().ok()?;
        (1..=12).contains(&month).then_some(Version { year, month })
    }

    /// The newest version accepted at `now_ms`: December of the next calendar year, so a
    /// typo such as `2204-03` is refused, while any version a client could have been
    /// written against (and a clock a little ahead) is taken.
    pub fn newest(now_ms: i64) -> Version {
        let year = crate::clock::rfc3339(now_ms).get(..4).and_then(|y| y.parse::<u16>().ok()).unwrap_or(FIRST.year);
        Version { year: year.saturating_add(1), month: 12 }
    }

    /// Checks a version given by a client (`what` names where: the path or the header).
    pub fn accept(text: &str, what: &str, now_ms: i64) -> Result<Version, AppError> {
        let shown: String = text.chars().take(32).collect();
        let Some(version) = Version::parse(text) else {
            return Err(AppError::bad(
                "invalid_version",
                format!("{what} `{shown}` is not an API version; use a date version such as 2024-03 (YYYY-MM)"),
            ));
        };
        let newest = Version::newest(now_ms);
        if version < FIRST || version > newest {
            return Err(AppError::bad(
                "unknown_version",
                format!("unknown API version `{version}` ({what}); supported: every version from {FIRST} to {newest}"),
            ));
        }
        Ok(version)
    }
}

/// The version prefix taken off the path before routing (as the client wrote it).
#[derive(Debug, Clone)]
pub struct PathVersion(pub String);

/// The version a request asked for, once checked (`None`: it named none). Every version
/// behaves the same today; a handler that one day must differ reads this.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApiVersion(pub Option<Version>);

/// Whether a first path segment is meant as a version: four digits and a dash. Such a
/// segment is taken off even when malformed (`2023-3`), so that it is refused as a bad
/// version rather than reported as an unknown route.
fn is_version_segment(segment: &str) -> bool {
    let b = segment.as_bytes();
    b.len() >= 5 && b[..4].iter().all(u8::is_ascii_digit) && b[4] == b'-'
}

/// Before routing: moves a version prefix from the path into [`PathVersion`], and drops
/// one trailing slash (`/users/` as some SDKs write it is `/users`).
pub fn strip_prefix(mut request: Request) -> Request {
    let path = request.uri().path();
    let (first, rest) = match path.trim_start_matches('/').split_once('/') {
        Some((first, rest)) => (first, rest),
        None => (path.trim_start_matches('/'), ""),
    };
    let (version, rest) = if is_version_segment(first) {
        (Some(first.to_string()), format!("/{}", rest.trim_start_matches('/')))
    } else {
        (None, path.to_string())
    };
    let rest = match rest.strip_suffix('/') {
        Some(trimmed) if !trimmed.is_empty() => trimmed.to_string(),
        _ => rest,
    };
    if version.is_none() && rest == path {
        return request;
    }
    let rebuilt = match request.uri().query() {
        Some(query) => format!("{rest}?{query}"),
        None => rest,
    };
    if let Ok(uri) = rebuilt.parse::<Uri>() {
        let mut parts = request.uri().clone().into_parts();
        parts.path_and_query = uri.into_parts().path_and_query;
        if let Ok(uri) = Uri::from_parts(parts) {
            *request.uri_mut() = uri;
        }
    }
    if let Some(version) = version {
        request.extensions_mut().insert(PathVersion(version));
    }
    request
}

/// The version of a request to an API route: the path's and the header's, which must
/// be valid and agree when both are given.
fn resolve(request: &Request, now_ms: i64) -> Result<ApiVersion, AppError> {
    let from_path = match request.extensions().get::<PathVersion>() {
        Some(PathVersion(text)) => Some(Version::accept(text, "path version", now_ms)?),
        None => None,
    };
    let mut values = request.headers().get_all(HEADER).iter();
    let from_header = match (values.next(), values.next()) {
        (None, _) => None,
        (Some(_), Some(_)) => {
            return Err(AppError::bad("invalid_version", format!("the {HEADER} header is given more than once")));
        }
        (Some(value), None) => {
            let text = value.to_str().unwrap_or("(not text)").trim();
            Some(Version::accept(text, "x-api-version header", now_ms)?)
        }
    };
    match (from_path, from_header) {
        (Some(path), Some(header)) if path != header => Err(AppError::bad(
            "version_mismatch",
            format!(
                "the path names API version {path} but the {HEADER} header names {header}; give one, or the same in both"
            ),
        )),
        (path, header) => Ok(ApiVersion(path.or(header))),
    }
}

/// Route layer of the API: a bad or disagreeing version is a 400 that runs nothing.
pub async fn check(mut request: Request, next: Next) -> Response {
    match resolve(&request, crate::clock::now_ms()) {
        Ok(version) => {
            request.extensions_mut().insert(version);
            next.run(request).await
        }
        Err(e) => e.into_response(),
    }
}

/// Route layer of everything that is not the API (pages, the SDK, health): they have no
/// versions, so a prefixed path does not name them.
pub async fn unversioned(request: Request, next: Next) -> Response {
    if request.extensions().get::<PathVersion>().is_some() {
        return AppError::NotFound("route").into_response();
    }
    next.run(request).await
}

/// For a request that matched no route: a bad version prefix is still reported as such.
pub fn fallback_error(request: &Request) -> AppError {
    match request.extensions().get::<PathVersion>() {
        Some(PathVersion(text)) => match Version::accept(text, "path version", crate::clock::now_ms()) {
            Err(e) => e,
            Ok(_) => AppError::NotFound("route"),
        },
        None => AppError::NotFound("route"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path_of(uri: &str) -> (String, Option<String>) {
        let request = strip_prefix(Request::builder().uri(uri).body(axum::body::Body::empty()).unwrap());
        let version = request.extensions().get::<PathVersion>().map(|v| v.0.clone());
        (request.uri().to_string(), version)
    }

    #[test]
    fn parse_and_bounds() {
        assert_eq!(Version::parse("2024-03").map(|v| v.to_string()), Some("2024-03".into()));
        for bad in ["2024-13", "2024-00", "2024-3", "24-03", "2024_03", "2024-03-01", "abcd-ef", ""] {
            assert_eq!(Version::parse(bad), None, "{bad}");
        }
        let now = crate::clock::parse_time("2026-11-20T00:00:00Z").unwrap();
        assert_eq!(Version::newest(now).to_string(), "2027-12");
        assert!(Version::accept("2023-01", "path", now).is_ok());
        assert!(Version::accept("2027-12", "path", now).is_ok());
        assert_eq!(Version::accept("2022-12", "path", now).unwrap_err().code(), "unknown_version");
        assert_eq!(Version::accept("2028-01", "path", now).unwrap_err().code(), "unknown_version");
        assert_eq!(Version::accept("2023-1", "path", now).unwrap_err().code(), "invalid_version");
    }

    #[test]
    fn prefixes_and_trailing_slashes_are_taken_off() {
        assert_eq!(path_of("/2024-03/users?limit=2"), ("/users?limit=2".into(), Some("2024-03".into())));
        assert_eq!(path_of("/2024-03//users/"), ("/users".into(), Some("2024-03".into())));
        assert_eq!(path_of("/2023-1/users"), ("/users".into(), Some("2023-1".into())));
        assert_eq!(path_of("/users/"), ("/users".into(), None));
        assert_eq!(path_of("/users/2024-03"), ("/users/2024-03".into(), None));
        assert_eq!(path_of("/2024-03"), ("/".into(), Some("2024-03".into())));
        assert_eq!(path_of("/"), ("/".into(), None));
    }
}
