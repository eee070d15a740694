//! PSK JWT checks: Quay's tokens pass; every kind of bad token fails with its own error.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use scry_config::psk::{LEEWAY_SECS, SIGNED_LIFETIME_SECS};
use scry_config::{AuthError, Psk, PskError};
use serde_json::{Value, json};

const SECRET: &[u8] = b"a shared secret of reasonable length";
const NOW: i64 = 1_750_000_000;

fn psk() -> Psk {
    Psk::new(&STANDARD.encode(SECRET), ["clairctl"]).unwrap()
}

fn token(alg: Algorithm, key: &[u8], claims: &Value) -> String {
    jsonwebtoken::encode(&Header::new(alg), claims, &EncodingKey::from_secret(key)).unwrap()
}

fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

/// What Quay sends: header {"alg":"HS256","typ":"JWT"}, claims {iss: quay, exp: now+300}.
fn quay_token(now: i64) -> String {
    token(
        Algorithm::HS256,
        SECRET,
        &json!({"iss": "quay", "exp": now + 300}),
    )
}

fn verify(claims: &Value) -> Result<scry_config::Claims, AuthError> {
    psk().verify_at(Some(&bearer(&token(Algorithm::HS256, SECRET, claims))), NOW)
}

#[test]
fn a_quay_token_is_accepted() {
    let claims = psk()
        .verify_at(Some(&bearer(&quay_token(NOW))), NOW)
        .unwrap();
    assert_eq!(claims.iss, "quay");
    assert_eq!(claims.exp, NOW + 300);
    assert_eq!((claims.nbf, claims.iat), (None, None));
    // And against the real clock.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    psk().verify(Some(&bearer(&quay_token(now)))).unwrap();
}

#[test]
fn quays_exact_token_bytes_are_accepted() {
    // Built by hand the way PyJWT writes it, to not depend on our encoder.
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(format!(r#"{{"iss":"quay","exp":{}}}"#, NOW + 300));
    let signing_input = format!("{header}.{payload}");
    let signature = hmac_sha256(SECRET, signing_input.as_bytes());
    let token = format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(signature));
    psk().verify_at(Some(&bearer(&token)), NOW).unwrap();
}

#[test]
fn configured_and_builtin_issuers_are_accepted() {
    for iss in ["quay", "clair-intraservice", "clairctl"] {
        let claims = verify(&json!({"iss": iss, "exp": NOW + 60})).unwrap();
        assert_eq!(claims.iss, iss);
    }
}

#[test]
fn a_bad_signature_is_rejected() {
    let forged = token(
        Algorithm::HS256,
        b"some other key",
        &json!({"iss": "quay", "exp": NOW + 300}),
    );
    assert_eq!(
        psk().verify_at(Some(&bearer(&forged)), NOW),
        Err(AuthError::BadSignature)
    );
    // A valid token with its payload swapped.
    let good = quay_token(NOW);
    let parts: Vec<&str> = good.split('.').collect();
    let payload = URL_SAFE_NO_PAD.encode(format!(r#"{{"iss":"quay","exp":{}}}"#, NOW + 9999));
    let tampered = format!("{}.{payload}.{}", parts[0], parts[2]);
    assert_eq!(
        psk().verify_at(Some(&bearer(&tampered)), NOW),
        Err(AuthError::BadSignature)
    );
}

#[test]
fn a_wrong_or_missing_issuer_is_rejected() {
    assert_eq!(
        verify(&json!({"iss": "someone-else", "exp": NOW + 60})),
        Err(AuthError::UnknownIssuer("someone-else".into()))
    );
    // Issuers match exactly.
    assert_eq!(
        verify(&json!({"iss": "Quay", "exp": NOW + 60})),
        Err(AuthError::UnknownIssuer("Quay".into()))
    );
    // clair-notifier is not accepted unless configured.
    assert_eq!(
        verify(&json!({"iss": "clair-notifier", "exp": NOW + 60})),
        Err(AuthError::UnknownIssuer("clair-notifier".into()))
    );
    assert_eq!(
        verify(&json!({"exp": NOW + 60})),
        Err(AuthError::MissingIssuer)
    );
}

#[test]
fn expiry_has_fifteen_seconds_of_leeway() {
    assert_eq!(LEEWAY_SECS, 15);
    // Expired, but within the leeway: accepted.
    verify(&json!({"iss": "quay", "exp": NOW - 15})).unwrap();
    verify(&json!({"iss": "quay", "exp": NOW - 1})).unwrap();
    // Beyond it: rejected.
    assert_eq!(
        verify(&json!({"iss": "quay", "exp": NOW - 16})),
        Err(AuthError::Expired)
    );
    assert_eq!(
        verify(&json!({"iss": "quay", "exp": NOW - 3600})),
        Err(AuthError::Expired)
    );
    // exp is required.
    assert_eq!(
        verify(&json!({"iss": "quay"})),
        Err(AuthError::MissingExpiry)
    );
    // Fractional NumericDates are read too.
    verify(&json!({"iss": "quay", "exp": NOW as f64 + 0.5})).unwrap();
}

#[test]
fn nbf_and_iat_have_fifteen_seconds_of_leeway() {
    verify(&json!({"iss": "quay", "exp": NOW + 60, "nbf": NOW + 15, "iat": NOW + 15})).unwrap();
    assert_eq!(
        verify(&json!({"iss": "quay", "exp": NOW + 60, "nbf": NOW + 16})),
        Err(AuthError::NotYetValid)
    );
    assert_eq!(
        verify(&json!({"iss": "quay", "exp": NOW + 300, "iat": NOW + 120})),
        Err(AuthError::IssuedInFuture)
    );
    assert!(matches!(
        verify(&json!({"iss": "quay", "exp": "tomorrow"})),
        Err(AuthError::Malformed(_))
    ));
}

#[test]
fn alg_none_is_rejected() {
    // Hand-made: jsonwebtoken cannot produce an unsigned token.
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(format!(r#"{{"iss":"quay","exp":{}}}"#, NOW + 300));
    for token in [
        format!("{header}.{payload}."),
        format!("{header}.{payload}"),
        // Same, with a signature that would be valid for HS256 over these bytes.
        format!(
            "{header}.{payload}.{}",
            URL_SAFE_NO_PAD.encode(hmac_sha256(
                SECRET,
                format!("{header}.{payload}").as_bytes()
            ))
        ),
    ] {
        let got = psk().verify_at(Some(&bearer(&token)), NOW);
        assert!(
            matches!(got, Err(AuthError::Unsigned) | Err(AuthError::Malformed(_))),
            "{token}: {got:?}"
        );
    }
    assert_eq!(
        psk().verify_at(Some(&bearer(&format!("{header}.{payload}."))), NOW),
        Err(AuthError::Unsigned)
    );
    let upper = URL_SAFE_NO_PAD.encode(br#"{"alg":"NONE"}"#);
    assert_eq!(
        psk().verify_at(Some(&bearer(&format!("{upper}.{payload}."))), NOW),
        Err(AuthError::Unsigned)
    );
}

#[test]
fn other_algorithms_are_rejected() {
    let claims = json!({"iss": "quay", "exp": NOW + 300});
    for alg in [Algorithm::HS512, Algorithm::HS384] {
        let token = token(alg, SECRET, &claims);
        let got = psk().verify_at(Some(&bearer(&token)), NOW);
        assert_eq!(got, Err(AuthError::Algorithm(format!("{alg:?}"))));
    }
    // An RS256 header over an HMAC signature (the classic key-confusion attempt).
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"RS256","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
    let signing_input = format!("{header}.{payload}");
    let forged = format!(
        "{signing_input}.{}",
        URL_SAFE_NO_PAD.encode(hmac_sha256(SECRET, signing_input.as_bytes()))
    );
    assert_eq!(
        psk().verify_at(Some(&bearer(&forged)), NOW),
        Err(AuthError::Algorithm("RS256".into()))
    );
}

#[test]
fn a_missing_header_or_wrong_scheme_is_rejected() {
    assert_eq!(psk().verify_at(None, NOW), Err(AuthError::MissingHeader));
    let token = quay_token(NOW);
    for header in [
        format!("bearer {token}"),
        format!("Basic {token}"),
        format!("Bearer{token}"),
        token.clone(),
    ] {
        assert_eq!(
            psk().verify_at(Some(&header), NOW),
            Err(AuthError::NotBearer),
            "{header}"
        );
    }
    assert!(matches!(
        psk().verify_at(Some("Bearer not-a-jwt"), NOW),
        Err(AuthError::Malformed(_))
    ));
    assert!(matches!(
        psk().verify_at(Some("Bearer "), NOW),
        Err(AuthError::Malformed(_))
    ));
}

#[test]
fn the_first_bearer_header_is_used() {
    let stale = bearer(&quay_token(NOW));
    let p = psk();
    assert_eq!(p.verify_first([]), Err(AuthError::MissingHeader));
    assert_eq!(p.verify_first(["Basic abc"]), Err(AuthError::NotBearer));
    // verify_first checks against the real clock, so use a fresh token.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let fresh = bearer(&quay_token(now));
    p.verify_first(["Basic abc", fresh.as_str(), stale.as_str()])
        .unwrap();
}

#[test]
fn errors_are_all_distinct() {
    use std::collections::HashSet;
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none"}"#);
    let payload = URL_SAFE_NO_PAD.encode(format!(r#"{{"iss":"quay","exp":{}}}"#, NOW + 300));
    let bad_sig = token(
        Algorithm::HS256,
        b"wrong",
        &json!({"iss": "quay", "exp": NOW + 300}),
    );
    let results = [
        verify(&json!({"iss": "nope", "exp": NOW + 60})),
        verify(&json!({"iss": "quay", "exp": NOW - 60})),
        psk().verify_at(Some(&bearer(&format!("{header}.{payload}."))), NOW),
        psk().verify_at(
            Some(&bearer(&token(
                Algorithm::HS512,
                SECRET,
                &json!({"iss": "quay", "exp": NOW + 60}),
            ))),
            NOW,
        ),
        psk().verify_at(Some(&bearer(&bad_sig)), NOW),
        psk().verify_at(None, NOW),
        psk().verify_at(Some("Token abc"), NOW),
    ];
    let kinds: HashSet<_> = results
        .iter()
        .map(|r| std::mem::discriminant(r.as_ref().unwrap_err()))
        .collect();
    assert_eq!(kinds.len(), results.len(), "{results:?}");
}

#[test]
fn signed_tokens_verify_and_satisfy_quays_receiver() {
    let p = psk();
    let token = p.sign_at("clair-intraservice", NOW);
    let claims = p.verify_at(Some(&bearer(&token)), NOW).unwrap();
    assert_eq!(claims.iss, "clair-intraservice");
    assert_eq!(claims.iat, Some(NOW));
    assert_eq!(claims.nbf, Some(NOW - SIGNED_LIFETIME_SECS));
    assert_eq!(claims.exp, NOW + SIGNED_LIFETIME_SECS);

    // The header is plain HS256 and the claims are exactly iss/iat/nbf/exp, as Quay's
    // notification endpoint requires.
    let parts: Vec<&str> = token.split('.').collect();
    let header: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[0]).unwrap()).unwrap();
    assert_eq!(header["alg"], "HS256");
    let body: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    assert_eq!(
        body,
        json!({"iss": "clair-intraservice", "iat": NOW, "nbf": NOW - 60, "exp": NOW + 60})
    );
    // Accepted by any holder of the key, with a real clock.
    let fresh = p.sign("clair-intraservice");
    p.verify(Some(&bearer(&fresh))).unwrap();
    // A notifier-signed token is only accepted where clair-notifier is configured.
    let notifier = p.sign_at("clair-notifier", NOW);
    assert!(p.verify_at(Some(&bearer(&notifier)), NOW).is_err());
    let lenient = Psk::new(&STANDARD.encode(SECRET), ["clair-notifier"]).unwrap();
    lenient.verify_at(Some(&bearer(&notifier)), NOW).unwrap();
}

#[test]
fn the_key_must_be_base64() {
    assert!(matches!(
        Psk::new("not base64!", Vec::<String>::new()),
        Err(PskError::Base64(_))
    ));
    assert_eq!(
        Psk::new("", Vec::<String>::new()).unwrap_err(),
        PskError::Empty
    );
    // Standard base64, padded or not, line breaks tolerated.
    Psk::new("c2VjcmV0", Vec::<String>::new()).unwrap();
    Psk::new("c2VjcmV0MQ==", Vec::<String>::new()).unwrap();
    Psk::new("c2VjcmV0MQ", Vec::<String>::new()).unwrap();
    Psk::new("c2Vj\ncmV0\n", Vec::<String>::new()).unwrap();
    // The key never shows in Debug output.
    let p = Psk::new("c2VjcmV0", ["x"]).unwrap();
    assert!(!format!("{p:?}").contains("c2VjcmV0"));
}

/// HMAC-SHA256 by hand (RFC 2104), so the hand-made tokens do not depend on the code
/// under test.
fn hmac_sha256(key: &[u8], message: &[u8]) -> Vec<u8> {
    use sha2::{Digest, Sha256};
    let mut block = [0u8; 64];
    if key.len() > 64 {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let inner: Vec<u8> = block.iter().map(|b| b ^ 0x36).collect();
    let outer: Vec<u8> = block.iter().map(|b| b ^ 0x5c).collect();
    let inner_hash = Sha256::new()
        .chain_update(&inner)
        .chain_update(message)
        .finalize();
    Sha256::new()
        .chain_update(&outer)
        .chain_update(inner_hash)
        .finalize()
        .to_vec()
}
