//! A JSON object of names to texts in which a name may appear once: serde's maps keep
//! the last of two equal keys silently, so `{"apiKey":"a","apiKey":"b"}` would store a
//! secret the sender may not have meant. The hosted forms refuse the same thing.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{Deserialize, Deserializer, Error, MapAccess, Visitor};

/// Names to texts, each name given once.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UniqueMap(pub BTreeMap<String, String>);

impl<'de> Deserialize<'de> for UniqueMap {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(UniqueVisitor)
    }
}

struct UniqueVisitor;

impl<'de> Visitor<'de> for UniqueVisitor {
    type Value = UniqueMap;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object of names to strings, each name once")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<UniqueMap, A::Error> {
        let mut map = BTreeMap::new();
        while let Some((name, value)) = access.next_entry::<String, String>()? {
            if map.contains_key(&name) {
                return Err(A::Error::custom(format!("`{name}` is given more than once")));
            }
            map.insert(name, value);
        }
        Ok(UniqueMap(map))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_given_twice_is_an_error_naming_it() {
        let ok: UniqueMap = serde_json::from_str(r#"{"a":"1","b":"2"}"#).unwrap();
        assert_eq!(ok.0.len(), 2);
        let err = serde_json::from_str::<UniqueMap>(r#"{"a":"1","a":"2"}"#).unwrap_err();
        assert!(err.to_string().contains("`a` is given more than once"), "{err}");
        assert!(serde_json::from_str::<UniqueMap>(r#"{"a":1}"#).is_err());
    }
}
