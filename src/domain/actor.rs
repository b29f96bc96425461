//! Who did something, as the audit log names them: `key:<id>`, `user:<id>`,
//! `link:<id>`, `smartlink:<appId>`, `operator:<email>`, `cli`, `system:<part>`.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    /// A backend call authenticated by an API key (its id, never the key).
    ApiKey(String),
    /// An end user acting for themselves (SDK JWT or portal session).
    EndUser(String),
    /// Whoever holds an install link (its id).
    Link(String),
    /// A SmartLink sign-in of this app.
    SmartLink(i64),
    /// An operator signed in to the console.
    Operator(String),
    /// The command line on the appliance's host.
    Cli,
    /// The appliance itself (`outbox`, `runtime`, `housekeeping`).
    System(&'static str),
}

impl fmt::Display for Actor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Actor::ApiKey(id) => write!(f, "key:{id}"),
            Actor::EndUser(id) => write!(f, "user:{id}"),
            Actor::Link(id) => write!(f, "link:{id}"),
            Actor::SmartLink(app) => write!(f, "smartlink:{app}"),
            Actor::Operator(email) => write!(f, "operator:{email}"),
            Actor::Cli => f.write_str("cli"),
            Actor::System(part) => write!(f, "system:{part}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn audit_names() {
        assert_eq!(Actor::ApiKey("k1".into()).to_string(), "key:k1");
        assert_eq!(Actor::EndUser("u1".into()).to_string(), "user:u1");
        assert_eq!(Actor::Link("l1".into()).to_string(), "link:l1");
        assert_eq!(Actor::SmartLink(83).to_string(), "smartlink:83");
        assert_eq!(Actor::Operator("a@b.c".into()).to_string(), "operator:a@b.c");
        assert_eq!(Actor::Cli.to_string(), "cli");
        assert_eq!(Actor::System("outbox").to_string(), "system:outbox");
    }
}
