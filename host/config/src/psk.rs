//! Pre-shared-key JWT authentication, as Clair and Quay use it.
//!
//! Incoming requests carry `Authorization: Bearer <JWT>`, signed HS256 with the
//! base64-decoded PSK. Quay sends `{"iss": "quay", "exp": now+300}`; clairctl and Clair's
//! own services also send `iat` and `nbf`. This module checks such tokens and signs the
//! ones Scry's services send to each other and to webhooks.
//!
//! Compared with Clair, Scry is stricter in two ways: only HS256 is accepted (Clair
//! also takes HS384 and HS512), and `exp` is required (Clair checks it only when
//! present). Every token Quay, clairctl and Clair send satisfies both.

use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::Serialize;
use serde_json::{Map, Value};

/// Quay's issuer, always accepted.
pub const QUAY_ISSUER: &str = "quay";
/// The issuer Clair's services use between themselves, always accepted.
pub const INTRASERVICE_ISSUER: &str = "clair-intraservice";
/// The issuer of tokens for Scry's admin API (plugin changes); no other is accepted there,
/// and this one nowhere else.
pub const ADMIN_ISSUER: &str = "scry-admin";
/// The issuer Clair's notifier signs webhook deliveries with. Not accepted unless
/// listed in `auth.psk.iss`.
pub const NOTIFIER_ISSUER: &str = "clair-notifier";
/// Clock skew tolerated on `exp`, `nbf` and `iat`, in seconds.
pub const LEEWAY_SECS: i64 = 15;
/// How long a token from [`Psk::sign`] is valid, and how far back its `nbf` is set.
pub const SIGNED_LIFETIME_SECS: i64 = 60;

/// The PSK could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PskError {
    /// The key is not standard base64.
    #[error("not valid base64: {0}")]
    Base64(String),
    /// The key decodes to nothing.
    #[error("the key is empty")]
    Empty,
}

/// Why a request was refused. All of them mean `401 Unauthorized` with an empty body;
/// the variant is for logs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    #[error("no Authorization header")]
    MissingHeader,
    #[error("Authorization header does not use the Bearer scheme")]
    NotBearer,
    #[error("malformed token: {0}")]
    Malformed(String),
    #[error("unsigned token (alg \"none\")")]
    Unsigned,
    #[error("token algorithm {0:?} is not accepted (only HS256 is)")]
    Algorithm(String),
    #[error("token signature does not match the PSK")]
    BadSignature,
    #[error("token has no exp claim")]
    MissingExpiry,
    #[error("token expired")]
    Expired,
    #[error("token is not valid yet (nbf)")]
    NotYetValid,
    #[error("token was issued in the future (iat)")]
    IssuedInFuture,
    #[error("token has no iss claim")]
    MissingIssuer,
    #[error("token issuer {0:?} is not accepted")]
    UnknownIssuer(String),
}

/// The claims of an accepted token. Times are seconds since the Unix epoch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claims {
    pub iss: String,
    pub exp: i64,
    pub nbf: Option<i64>,
    pub iat: Option<i64>,
    pub sub: Option<String>,
}

/// A pre-shared key with its accepted issuers. Cheap to clone; never prints the key.
#[derive(Clone)]
pub struct Psk {
    encoding: EncodingKey,
    decoding: DecodingKey,
    issuers: Vec<String>,
}

impl std::fmt::Debug for Psk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Psk")
            .field("key", &"REDACTED")
            .field("issuers", &self.issuers)
            .finish()
    }
}

/// Standard base64, as Go's `StdEncoding` and Python's `b64decode` read it; missing
/// padding is tolerated.
const PSK_BASE64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);

/// JWT segments: base64url without padding (padding tolerated).
const JWT_BASE64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::URL_SAFE,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

impl Psk {
    /// A PSK from its base64 text (as in `auth.psk.key` and Quay's
    /// `SECURITY_SCANNER_V4_PSK`). Accepted issuers are `quay`, `clair-intraservice` and
    /// `extra_issuers`.
    pub fn new<I, S>(base64_key: &str, extra_issuers: I) -> Result<Psk, PskError>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let cleaned: String = base64_key
            .chars()
            .filter(|c| !matches!(c, '\r' | '\n'))
            .collect();
        let key = PSK_BASE64
            .decode(cleaned.trim())
            .map_err(|e| PskError::Base64(e.to_string()))?;
        Psk::from_key_bytes(&key, extra_issuers)
    }

    /// A PSK from the raw key bytes.
    pub fn from_key_bytes<I, S>(key: &[u8], extra_issuers: I) -> Result<Psk, PskError>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        if key.is_empty() {
            return Err(PskError::Empty);
        }
        let mut issuers = vec![QUAY_ISSUER.to_owned(), INTRASERVICE_ISSUER.to_owned()];
        for issuer in extra_issuers {
            let issuer = issuer.into();
            if !issuers.contains(&issuer) {
                issuers.push(issuer);
            }
        }
        Ok(Psk {
            encoding: EncodingKey::from_secret(key),
            decoding: DecodingKey::from_secret(key),
            issuers,
        })
    }

    /// The accepted issuers.
    pub fn issuers(&self) -> &[String] {
        &self.issuers
    }

    /// The same key accepting only `issuers`: the admin API takes [`ADMIN_ISSUER`] alone.
    pub fn only_issuers<I, S>(&self, issuers: I) -> Psk
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Psk {
            encoding: self.encoding.clone(),
            decoding: self.decoding.clone(),
            issuers: issuers.into_iter().map(Into::into).collect(),
        }
    }

    /// Checks an `Authorization` header value against the current time.
    pub fn verify(&self, authorization: Option<&str>) -> Result<Claims, AuthError> {
        self.verify_at(authorization, unix_now())
    }

    /// Checks the first of several `Authorization` header values that uses the Bearer
    /// scheme (as Clair does when a request carries more than one).
    pub fn verify_first<'a>(
        &self,
        authorization: impl IntoIterator<Item = &'a str>,
    ) -> Result<Claims, AuthError> {
        let mut values = authorization.into_iter().peekable();
        if values.peek().is_none() {
            return Err(AuthError::MissingHeader);
        }
        let bearer = values.find(|v| v.starts_with("Bearer "));
        self.verify(Some(bearer.ok_or(AuthError::NotBearer)?))
    }

    /// [`Psk::verify`] at a given time (seconds since the Unix epoch).
    pub fn verify_at(&self, authorization: Option<&str>, now: i64) -> Result<Claims, AuthError> {
        let header = authorization.ok_or(AuthError::MissingHeader)?;
        let token = header
            .strip_prefix("Bearer ")
            .ok_or(AuthError::NotBearer)?
            .trim();
        check_algorithm(token)?;

        let mut validation = Validation::new(Algorithm::HS256);
        // Time and issuer checks are done below, with Clair's leeway and distinct errors.
        validation.required_spec_claims.clear();
        validation.validate_exp = false;
        validation.validate_nbf = false;
        validation.validate_aud = false;
        let data = jsonwebtoken::decode::<Map<String, Value>>(token, &self.decoding, &validation)
            .map_err(|err| match err.kind() {
            jsonwebtoken::errors::ErrorKind::InvalidSignature => AuthError::BadSignature,
            _ => AuthError::Malformed(err.to_string()),
        })?;
        let claims = data.claims;

        let exp = numeric_date(&claims, "exp")?.ok_or(AuthError::MissingExpiry)?;
        let nbf = numeric_date(&claims, "nbf")?;
        let iat = numeric_date(&claims, "iat")?;
        if exp < now - LEEWAY_SECS {
            return Err(AuthError::Expired);
        }
        if nbf.is_some_and(|nbf| nbf > now + LEEWAY_SECS) {
            return Err(AuthError::NotYetValid);
        }
        if iat.is_some_and(|iat| iat > now + LEEWAY_SECS) {
            return Err(AuthError::IssuedInFuture);
        }
        let iss = match claims.get("iss") {
            Some(Value::String(iss)) => iss.clone(),
            Some(_) => return Err(AuthError::Malformed("iss is not a string".into())),
            None => return Err(AuthError::MissingIssuer),
        };
        if !self.issuers.contains(&iss) {
            return Err(AuthError::UnknownIssuer(iss));
        }
        let sub = claims.get("sub").and_then(Value::as_str).map(str::to_owned);
        Ok(Claims {
            iss,
            exp,
            nbf,
            iat,
            sub,
        })
    }

    /// A token for a request Scry sends (to another Scry service or to a webhook):
    /// HS256 with claims `iss`, `iat` = now, `nbf` = now − 60 s, `exp` = now + 60 s, which
    /// both Clair and Quay's notification receiver accept.
    pub fn sign(&self, issuer: &str) -> String {
        self.sign_at(issuer, unix_now())
    }

    /// [`Psk::sign`] at a given time (seconds since the Unix epoch).
    pub fn sign_at(&self, issuer: &str, now: i64) -> String {
        #[derive(Serialize)]
        struct Outgoing<'a> {
            iss: &'a str,
            iat: i64,
            nbf: i64,
            exp: i64,
        }
        let claims = Outgoing {
            iss: issuer,
            iat: now,
            nbf: now - SIGNED_LIFETIME_SECS,
            exp: now + SIGNED_LIFETIME_SECS,
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .expect("HS256 signing of plain claims cannot fail")
    }
}

/// Refuses anything but HS256 before touching the signature, so `none` and other
/// algorithms get their own errors.
fn check_algorithm(token: &str) -> Result<(), AuthError> {
    let mut parts = token.split('.');
    let (Some(header), Some(_), Some(_), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(AuthError::Malformed("not three dot-separated parts".into()));
    };
    let header = JWT_BASE64
        .decode(header)
        .map_err(|e| AuthError::Malformed(format!("header is not base64url: {e}")))?;
    let header: Map<String, Value> = serde_json::from_slice(&header)
        .map_err(|e| AuthError::Malformed(format!("header is not a JSON object: {e}")))?;
    match header.get("alg") {
        Some(Value::String(alg)) if alg == "HS256" => Ok(()),
        Some(Value::String(alg)) if alg.eq_ignore_ascii_case("none") => Err(AuthError::Unsigned),
        Some(Value::String(alg)) => Err(AuthError::Algorithm(alg.clone())),
        _ => Err(AuthError::Malformed("header has no alg".into())),
    }
}

/// A NumericDate claim: seconds, integer or (as some libraries write) fractional.
fn numeric_date(claims: &Map<String, Value>, name: &str) -> Result<Option<i64>, AuthError> {
    match claims.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n
            .as_i64()
            .or_else(|| {
                n.as_f64()
                    .filter(|f| f.is_finite())
                    .map(|f| f.floor() as i64)
            })
            .map(Some)
            .ok_or_else(|| AuthError::Malformed(format!("{name} is out of range"))),
        Some(_) => Err(AuthError::Malformed(format!("{name} is not a number"))),
    }
}

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}
