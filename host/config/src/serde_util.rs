//! Small serde helpers shared by the configuration structs.

use serde::{Deserialize, Deserializer};

/// Reads a string where `""` (Go's zero value) means "not set".
pub fn empty_is_none<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<String>, D::Error> {
    Ok(Option::<String>::deserialize(deserializer)?.filter(|s| !s.is_empty()))
}

pub fn is_false(value: &bool) -> bool {
    !*value
}

pub fn is_zero(value: &i64) -> bool {
    *value == 0
}
