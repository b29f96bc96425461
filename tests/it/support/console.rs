//! The operator console through its real pages: an operator account, a browser-like
//! client (its cookies kept by hand, redirects not followed), forms posted with the
//! page's CSRF token.
#![allow(dead_code)]

use reqwest::StatusCode;
use reqwest::header::{HeaderMap, LOCATION, SET_COOKIE};

use crate::support::TestApp;

pub const PASSWORD: &str = "correct horse battery";

/// An answer: status, headers, body.
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub html: String,
}

impl Answer {
    pub fn location(&self) -> String {
        self.headers.get(LOCATION).map(|v| v.to_str().unwrap().to_string()).unwrap_or_default()
    }

    /// The value of the first `<input name="{name}" ... value="...">`-like attribute
    /// pair after `name="{name}"`.
    pub fn input(&self, name: &str) -> Option<String> {
        let at = self.html.find(&format!("name=\"{name}\""))?;
        let rest = &self.html[at..];
        let end = rest.find('>')?;
        let tag = &rest[..end];
        let v = tag.find("value=\"")? + 7;
        let value = &tag[v..];
        Some(unescape(&value[..value.find('"')?]))
    }

    pub fn csrf(&self) -> String {
        self.input("_csrf").unwrap_or_else(|| panic!("no CSRF token in the page:\n{}", self.html))
    }

    /// The readonly value with this element id (a shown-once secret).
    pub fn value_of(&self, id: &str) -> String {
        let at = self.html.find(&format!("id=\"{id}\"")).unwrap_or_else(|| panic!("no #{id} in:\n{}", self.html));
        let rest = &self.html[at..];
        let v = rest.find("value=\"").unwrap() + 7;
        unescape(&rest[v..v + rest[v..].find('"').unwrap()])
    }
}

fn unescape(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        let tail = &rest[at..];
        let end = tail.find(';').unwrap();
        let entity = &tail[1..end];
        let c = match entity {
            "amp" => '&',
            "lt" => '<',
            "gt" => '>',
            "quot" => '"',
            "apos" => '\'',
            e if e.starts_with("#x") => char::from_u32(u32::from_str_radix(&e[2..], 16).unwrap()).unwrap(),
            e => char::from_u32(e[1..].parse().unwrap()).unwrap(),
        };
        out.push(c);
        rest = &tail[end + 1..];
    }
    out.push_str(rest);
    out
}

/// Makes an operator account the way `usher admin create` does.
pub async fn operator(app: &TestApp, email: &str) {
    use usher::ops::operators::{NewPassword, create::CreateOperator};
    let ctx = usher::ops::Ctx::new(
        app.state().deps.clone(),
        usher::domain::Environment::Production,
        usher::domain::Actor::Cli,
        None,
    );
    let password = NewPassword::hash_async(PASSWORD.to_string()).await.unwrap();
    usher::ops::run(&ctx, CreateOperator { email: email.to_string(), password }).await.unwrap();
}

/// A browser talking to the console: keeps the console's cookies.
pub struct Browser {
    pub base: String,
    pub client: reqwest::Client,
    pub cookies: Vec<(String, String)>,
}

impl Browser {
    pub fn new(app: &TestApp) -> Browser {
        Browser::at(&app.url)
    }

    /// A browser of the server at `base` (the real binary, for instance).
    pub fn at(base: &str) -> Browser {
        let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        Browser { base: base.to_string(), client, cookies: Vec::new() }
    }

    fn cookie_header(&self) -> String {
        self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ")
    }

    fn keep(&mut self, headers: &HeaderMap) {
        for set in headers.get_all(SET_COOKIE) {
            let set = set.to_str().unwrap();
            let (pair, attributes) = set.split_once(';').unwrap_or((set, ""));
            let (name, value) = pair.split_once('=').unwrap();
            self.cookies.retain(|(k, _)| k != name);
            if !attributes.contains("Max-Age=0") {
                self.cookies.push((name.to_string(), value.to_string()));
            }
        }
    }

    async fn answer(&mut self, response: reqwest::Response) -> Answer {
        let status = response.status();
        let headers = response.headers().clone();
        self.keep(&headers);
        Answer { status, headers, html: response.text().await.unwrap() }
    }

    pub async fn get(&mut self, path: &str) -> Answer {
        let response = self
            .client
            .get(format!("{}{path}", self.base))
            .header("cookie", self.cookie_header())
            .send()
            .await
            .unwrap();
        self.answer(response).await
    }

    /// POSTs `fields` as a form, as they are (no CSRF added).
    pub async fn post_raw(&mut self, path: &str, fields: &[(&str, &str)]) -> Answer {
        let body = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(fields).finish();
        let response = self
            .client
            .post(format!("{}{path}", self.base))
            .header("cookie", self.cookie_header())
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .unwrap();
        self.answer(response).await
    }

    /// GETs `page` for its CSRF token, then POSTs `fields` with it to `action`.
    pub async fn submit(&mut self, page: &str, action: &str, fields: &[(&str, &str)]) -> Answer {
        let csrf = self.get(page).await.csrf();
        let mut all = vec![("_csrf", csrf.as_str())];
        all.extend_from_slice(fields);
        self.post_raw(action, &all).await
    }

    /// Signs in; the answer of the sign-in POST.
    pub async fn sign_in(&mut self, email: &str, password: &str) -> Answer {
        self.submit("/console/sign-in", "/console/sign-in", &[("email", email), ("password", password)]).await
    }

    /// A signed-in browser of a new operator `email`.
    pub async fn operator(app: &TestApp, email: &str) -> Browser {
        operator(app, email).await;
        let mut browser = Browser::new(app);
        let answer = browser.sign_in(email, PASSWORD).await;
        assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.html);
        browser
    }

    /// The console session cookie's value.
    pub fn session(&self) -> Option<String> {
        self.cookies.iter().find(|(k, _)| k.ends_with("usher_console")).map(|(_, v)| v.clone())
    }
}
