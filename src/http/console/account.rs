//! The signed-in operator's account: change the password (the current one first). Every
//! session of theirs ends with the change, this one too.

use askama::Template;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;

use super::form::Form;
use super::page::{self, Layout, Notice};
use super::session::{Console, Cookies, SESSION};
use crate::ops::operators::NewPassword;
use crate::ops::operators::password::SetPassword;
use crate::ops::operators::sign_in::check_password;
use crate::ops::{self, OpError};
use crate::state::AppState;

#[derive(Template)]
#[template(path = "console/account.html")]
struct AccountPage {
    l: Layout,
    min_len: usize,
}

fn render(state: &AppState, console: &Console, status: StatusCode, notice: Option<Notice>) -> Response {
    let l = Layout::new(state, console, "account", "Your account").with_notice(notice);
    page::render(status, &AccountPage { l, min_len: crate::auth::password::MIN_LEN })
}

/// `GET /console/{env}/account`
pub async fn show(State(state): State<AppState>, console: Console) -> Response {
    render(&state, &console, StatusCode::OK, None)
}

/// `POST /console/{env}/account`: a new password; signs out everywhere.
pub async fn change_password(State(state): State<AppState>, console: Console, form: Form) -> Response {
    if let Err(refused) = form.check(&state, &console) {
        return *refused;
    }
    let new = form.text("new").to_string();
    let changed = async {
        check_password(&state.deps, &console.email, form.text("current").to_string()).await?;
        if new != form.text("confirm") {
            return Err(OpError::invalid("password_mismatch", "the two new passwords differ"));
        }
        let password = NewPassword::hash_async(new).await?;
        ops::run(&console.ctx, SetPassword { email: console.email.clone(), password }).await
    };
    match changed.await {
        Ok(_) => {
            let mut response = page::plain(
                StatusCode::OK,
                "Password changed",
                "Your password was changed and every console session of yours has ended, this one too. Sign in again with the new password.",
            );
            if let Ok(v) = HeaderValue::from_str(&Cookies::for_state(&state).clear(SESSION)) {
                response.headers_mut().append(header::SET_COOKIE, v);
            }
            response
        }
        Err(e @ (OpError::Invalid { .. } | OpError::Unauthenticated(_))) => {
            let status =
                if matches!(e, OpError::Unauthenticated(_)) { StatusCode::FORBIDDEN } else { StatusCode::BAD_REQUEST };
            render(&state, &console, status, Notice::error(page::sentence(&e.to_string())))
        }
        Err(e) => page::problem(&state, &console, e, &console.url("/account")),
    }
}
