use std::fmt;
use std::str::FromStr;

/// A content digest `algo:hex`, as Clair accepts them: sha256 or sha512, hex in either
/// case on input, lower case on output.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Digest {
    algorithm: &'static str,
    hex: String,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum DigestError {
    #[error("digest {0:?} is not of the form algorithm:hex")]
    Shape(String),
    #[error("digest {0:?} uses an unsupported algorithm (sha256 and sha512 are supported)")]
    Algorithm(String),
    #[error("digest {0:?} has the wrong length or non-hex characters")]
    Hex(String),
}

impl Digest {
    pub fn algorithm(&self) -> &'static str {
        self.algorithm
    }

    pub fn hex(&self) -> &str {
        &self.hex
    }
}

impl FromStr for Digest {
    type Err = DigestError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let (algo, hex) = text
            .split_once(':')
            .ok_or_else(|| DigestError::Shape(text.into()))?;
        let (algorithm, len) = match algo {
            "sha256" => ("sha256", 64),
            "sha512" => ("sha512", 128),
            _ => return Err(DigestError::Algorithm(text.into())),
        };
        if hex.len() != len || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(DigestError::Hex(text.into()));
        }
        Ok(Digest {
            algorithm,
            hex: hex.to_ascii_lowercase(),
        })
    }
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.algorithm, self.hex)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_lowercases() {
        let upper = format!("sha256:{}", "AB".repeat(32));
        let digest: Digest = upper.parse().unwrap();
        assert_eq!(digest.to_string(), format!("sha256:{}", "ab".repeat(32)));
        assert!(
            format!("sha512:{}", "0".repeat(128))
                .parse::<Digest>()
                .is_ok()
        );
    }

    #[test]
    fn rejects_bad_digests() {
        assert!(matches!(
            "sha256".parse::<Digest>(),
            Err(DigestError::Shape(_))
        ));
        assert!(matches!(
            "md5:00".parse::<Digest>(),
            Err(DigestError::Algorithm(_))
        ));
        assert!(matches!(
            "sha256:abc".parse::<Digest>(),
            Err(DigestError::Hex(_))
        ));
        let bad = format!("sha256:{}", "g".repeat(64));
        assert!(matches!(bad.parse::<Digest>(), Err(DigestError::Hex(_))));
    }
}
