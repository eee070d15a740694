//! From an rpm header to the package record Clair reports.

use scry_sdk::scanner::{Package, SourcePackage};

use crate::header::{
    Header, TAG_ARCH, TAG_EPOCH, TAG_MODULARITYLABEL, TAG_NAME, TAG_RELEASE, TAG_SOURCERPM,
    TAG_VERSION,
};
use crate::input::{DbError, malformed};

/// rpm keeps imported signing keys as pseudo-packages of this name; they are not software.
const GPG_PUBKEY: &str = "gpg-pubkey";

/// The package a header blob describes, or `None` for a `gpg-pubkey` entry.
pub fn from_blob(blob: &[u8], package_db: &str) -> Result<Option<Package>, DbError> {
    let header = Header::parse(blob)?;
    let name = header
        .string(TAG_NAME)?
        .ok_or_else(|| malformed!("a header has no name"))?;
    if name == GPG_PUBKEY {
        return Ok(None);
    }
    let version = header
        .string(TAG_VERSION)?
        .ok_or_else(|| malformed!("header of {name} has no version"))?;
    let release = header
        .string(TAG_RELEASE)?
        .ok_or_else(|| malformed!("header of {name} has no release"))?;
    let version = match header.int32(TAG_EPOCH)? {
        Some(epoch) if epoch != 0 => format!("{epoch}:{version}-{release}"),
        _ => format!("{version}-{release}"),
    };
    let source = header
        .string(TAG_SOURCERPM)?
        .and_then(|rpm| source_package(&rpm));
    let module = header
        .string(TAG_MODULARITYLABEL)?
        .map(|label| module_stream(&label))
        .unwrap_or_default();
    Ok(Some(Package {
        source,
        ..Package::binary(name, version)
            .with_arch(header.string(TAG_ARCH)?.unwrap_or_default())
            .with_package_db(package_db)
            .with_module(module)
    }))
}

/// `name-version-release.src.rpm` to the source package `name` at `version-release`.
/// The epoch is not part of the file name, so it is never known here.
pub fn source_package(file_name: &str) -> Option<SourcePackage> {
    let nvr = file_name
        .strip_suffix(".src.rpm")
        .or_else(|| file_name.strip_suffix(".nosrc.rpm"))?;
    let (name_version, release) = nvr.rsplit_once('-')?;
    let (name, version) = name_version.rsplit_once('-')?;
    if [name, version, release].iter().any(|part| part.is_empty()) {
        return None;
    }
    Some(SourcePackage {
        name: name.to_string(),
        version: format!("{version}-{release}"),
    })
}

/// A modularity label `name:stream:version:context` cut to `name:stream`.
pub fn module_stream(label: &str) -> String {
    let mut parts = label.splitn(3, ':');
    match (parts.next(), parts.next()) {
        (Some(name), Some(stream)) => format!("{name}:{stream}"),
        _ => label.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::header::tests::build;

    #[test]
    fn source_rpm_names() {
        let source = source_package("openssl-3.0.7-18.el9_2.src.rpm").unwrap();
        assert_eq!(
            (source.name.as_str(), source.version.as_str()),
            ("openssl", "3.0.7-18.el9_2")
        );
        let source = source_package("java-1.8.0-openjdk-1.8.0.252.b09-2.el8_1.src.rpm").unwrap();
        assert_eq!(source.name, "java-1.8.0-openjdk");
        assert_eq!(source.version, "1.8.0.252.b09-2.el8_1");
        assert!(source_package("(none)").is_none());
        assert!(source_package("nodash.src.rpm").is_none());
        assert!(source_package("-1-2.src.rpm").is_none());
    }

    #[test]
    fn module_labels() {
        assert_eq!(
            module_stream("nodejs:10:8020020200707141642:6a468ee4"),
            "nodejs:10"
        );
        assert_eq!(module_stream("perl:5.26"), "perl:5.26");
        assert_eq!(module_stream("odd"), "odd");
    }

    #[test]
    fn epoch_zero_is_omitted_and_gpg_keys_skipped() {
        let blob = build(&[
            (1000, 6, b"bash\0"),
            (1001, 6, b"5.1\0"),
            (1002, 6, b"2.el9\0"),
            (1003, 4, &0u32.to_be_bytes()),
        ]);
        let package = from_blob(&blob, "sqlite:var/lib/rpm").unwrap().unwrap();
        assert_eq!(package.version, "5.1-2.el9");
        assert_eq!(package.arch, "");
        assert!(package.source.is_none());

        let key = build(&[(1000, 6, b"gpg-pubkey\0"), (1001, 6, b"fd431d51\0")]);
        assert!(from_blob(&key, "bdb:var/lib/rpm").unwrap().is_none());
    }
}
