//! Query and path parameters Clair's routes share.

use std::collections::HashMap;

use crate::error::ApiError;

/// `text` as a canonical (lower-case, hyphenated) UUID; 400 naming `name` otherwise.
pub(crate) fn parse_uuid(name: &str, text: &str) -> Result<String, ApiError> {
    uuid::Uuid::parse_str(text)
        .map(|id| id.to_string())
        .map_err(|err| ApiError::bad_request(format!("{name} {text:?} is not a UUID: {err}")))
}

/// The UUID query parameter `name`; absent, empty and the nil UUID all mean none, as
/// in Clair (`prev` of a diff, `next` of a notification page).
pub(crate) fn optional_uuid(
    query: &HashMap<String, String>,
    name: &str,
) -> Result<Option<String>, ApiError> {
    let Some(text) = query.get(name).filter(|text| !text.is_empty()) else {
        return Ok(None);
    };
    let id = parse_uuid(name, text)?;
    Ok((id != uuid::Uuid::nil().to_string()).then_some(id))
}
