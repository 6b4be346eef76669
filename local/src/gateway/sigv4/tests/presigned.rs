//! Presigned URLs: the signature in the query string, as the SDKs and
//! botocore's `SigV4QueryAuth` write it, valid for `X-Amz-Expires` seconds.

use std::time::Duration;

use aws_sigv4::http_request::SignatureLocation;

use super::*;

fn presign(path_and_query: &str, expires: u64, at: SystemTime) -> Signed {
    let mut settings = SigningSettings::default();
    settings.signature_location = SignatureLocation::QueryParams;
    settings.expires_in = Some(Duration::from_secs(expires));
    let how = How {
        settings,
        at,
        region: "us-east-1",
        secret: SECRET,
        token: None,
    };
    sdk_sign_with(&how, "GET", path_and_query, &[], b"")
}

fn query_param<'a>(signed: &'a Signed, name: &str) -> &'a str {
    signed
        .query
        .as_deref()
        .unwrap()
        .split('&')
        .find_map(|p| p.strip_prefix(&format!("{name}=")))
        .unwrap()
}

#[test]
fn a_presigned_url_verifies_with_no_authorization_header() {
    let signed = presign("/things/x", 900, SystemTime::now());
    assert!(signed.headers.get("authorization").is_none());
    assert_eq!(query_param(&signed, "X-Amz-Algorithm"), ALGORITHM);
    assert_eq!(signed.verify(&local_verifier()), Ok(KEY.to_owned()));
    // Its own query parameters are covered too.
    let signed = presign("/things/x?view=full", 900, SystemTime::now());
    assert_eq!(signed.verify(&local_verifier()), Ok(KEY.to_owned()));
}

#[test]
fn it_stays_valid_for_its_expiry_and_not_a_second_longer() {
    let verifier = local_verifier();
    let at = SystemTime::now();
    let signed = presign("/things/x", 3600, at);
    let signed_at: DateTime<Utc> = at.into();
    // Far past the five minutes a header signature gets.
    assert!(signed
        .verify_at(&verifier, signed_at + TimeDelta::minutes(59))
        .is_ok());
    let late = signed.verify_at(&verifier, signed_at + TimeDelta::minutes(61));
    assert!(
        matches!(late, Err(AuthError::PresignedExpired { .. })),
        "{late:?}"
    );
    assert!(late
        .unwrap_err()
        .to_string()
        .starts_with("Signature expired"));
    let early = signed.verify_at(&verifier, signed_at - TimeDelta::minutes(6));
    assert!(
        matches!(early, Err(AuthError::NotYetCurrent { .. })),
        "{early:?}"
    );
}

#[test]
fn tampering_with_the_path_the_query_or_the_signature_fails() {
    let verifier = local_verifier();
    let signed = presign("/things/x?view=full", 900, SystemTime::now());
    let mut moved = presign("/things/x?view=full", 900, SystemTime::now());
    moved.path = "/things/y".into();
    assert_eq!(moved.verify(&verifier), Err(AuthError::BadSignature));

    let mut changed = presign("/things/x?view=full", 900, SystemTime::now());
    changed.query = changed.query.map(|q| q.replace("view=full", "view=none"));
    assert_eq!(changed.verify(&verifier), Err(AuthError::BadSignature));

    let mut longer = presign("/things/x?view=full", 900, SystemTime::now());
    longer.query = longer
        .query
        .map(|q| q.replace("X-Amz-Expires=900", "X-Amz-Expires=90000"));
    assert_eq!(longer.verify(&verifier), Err(AuthError::BadSignature));

    let mut forged = presign("/things/x?view=full", 900, SystemTime::now());
    let signature = query_param(&signed, "X-Amz-Signature").to_owned();
    let flipped = format!(
        "{}{}",
        &signature[..63],
        if signature.ends_with('0') { '1' } else { '0' }
    );
    forged.query = forged.query.map(|q| q.replace(&signature, &flipped));
    assert_eq!(forged.verify(&verifier), Err(AuthError::BadSignature));
}

#[test]
fn an_incomplete_or_out_of_range_presigned_url_is_malformed() {
    let verifier = local_verifier();
    let signed = presign("/things/x", 900, SystemTime::now());
    let query = signed.query.clone().unwrap();
    for drop in [
        "X-Amz-Signature",
        "X-Amz-Date",
        "X-Amz-Expires",
        "X-Amz-SignedHeaders",
    ] {
        let mut cut = presign("/things/x", 900, SystemTime::now());
        cut.query = Some(
            query
                .split('&')
                .filter(|p| !p.starts_with(&format!("{drop}=")))
                .collect::<Vec<_>>()
                .join("&"),
        );
        let err = cut.verify(&verifier).unwrap_err();
        assert!(
            matches!(&err, AuthError::Malformed(m) if m.contains(drop)),
            "{drop}: {err:?}"
        );
    }
    let week_and_a_day = presign("/things/x", 8 * 86_400, SystemTime::now());
    assert!(matches!(
        week_and_a_day.verify(&verifier),
        Err(AuthError::Malformed(m)) if m.contains("X-Amz-Expires")
    ));
    // Without the algorithm and credential the URL is not presigned at all.
    let mut plain = presign("/things/x", 900, SystemTime::now());
    plain.query = Some("view=full".into());
    assert_eq!(plain.verify(&verifier), Err(AuthError::Missing));
}

#[test]
fn the_wrong_secret_fails_a_presigned_url_too() {
    let mut settings = SigningSettings::default();
    settings.signature_location = SignatureLocation::QueryParams;
    settings.expires_in = Some(Duration::from_secs(900));
    let how = How {
        settings,
        at: SystemTime::now(),
        region: "us-east-1",
        secret: "not-the-secret",
        token: None,
    };
    let signed = sdk_sign_with(&how, "GET", "/things/x", &[], b"");
    assert_eq!(
        signed.verify(&local_verifier()),
        Err(AuthError::BadSignature)
    );
}
