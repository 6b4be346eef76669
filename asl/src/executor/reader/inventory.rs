//! ItemReader InputType MANIFEST: an Amazon S3 Inventory. The object the reader names is the
//! inventory's `manifest.json`; its `files` are gzip-compressed CSV data files kept in the
//! inventory's destination bucket (`destinationBucket`, an ARN), and each of their rows is an
//! item: an object of strings keyed by the manifest's `fileSchema`, in the files' order. Step
//! Functions reads only CSV inventories, so an ORC or Parquet one is refused. Every failure is
//! a cause for `States.ItemReaderFailed` naming the file at fault.

use crate::executor::formats;
use crate::executor::objects::ObjectSource;
use flate2::read::MultiGzDecoder;
use serde_json::{Map, Value};
use std::io::Read;

/// What the reader needs from a manifest.
#[derive(Debug, PartialEq)]
struct Manifest {
    /// The bucket the data files are in (the name from `destinationBucket`'s ARN).
    bucket: String,
    /// The column names, trimmed: `"Bucket, Key, Size"` gives `Bucket`, `Key`, `Size`.
    schema: Vec<String>,
    /// The data files' keys, in the manifest's order.
    files: Vec<String>,
}

/// The items of the inventory whose `manifest.json` holds `manifest`: at most `max` of them
/// (0: all). As on AWS the reader stops reading at `max`: the data files after the one that
/// reaches it are not fetched.
pub(super) async fn items(
    objects: &dyn ObjectSource,
    manifest: &[u8],
    max: u64,
) -> Result<Vec<Value>, String> {
    let manifest = parse(manifest)?;
    let mut items = Vec::new();
    for file in &manifest.files {
        if max > 0 && items.len() as u64 >= max {
            break;
        }
        let bytes = objects
            .get(&manifest.bucket, file)
            .await
            .map_err(|e| format!("it lists a data file that cannot be read: {e}"))?;
        let rows = data_file(&bytes, &manifest.schema)
            .map_err(|e| format!("its data file s3://{}/{file}: {e}", manifest.bucket))?;
        items.extend(rows);
    }
    if max > 0 {
        items.truncate(max as usize);
    }
    Ok(items)
}

/// Reads a `manifest.json`, refusing what this reader cannot read.
fn parse(bytes: &[u8]) -> Result<Manifest, String> {
    let v: Value = serde_json::from_slice(bytes)
        .map_err(|e| format!("the S3 Inventory manifest is not valid JSON: {e}"))?;
    let Value::Object(m) = v else {
        return Err(format!(
            "the S3 Inventory manifest holds JSON {}, not an object with fileFormat, \
             fileSchema, destinationBucket and files",
            crate::path::type_name(&v)
        ));
    };
    let text = |k: &str, what: &str| -> Result<&str, String> {
        m.get(k)
            .and_then(Value::as_str)
            .ok_or_else(|| format!("the S3 Inventory manifest has no {k} (a string: {what})"))
    };
    let format = text("fileFormat", "CSV")?;
    if !format.eq_ignore_ascii_case("CSV") {
        return Err(format!(
            "the S3 Inventory's fileFormat is {format}; Step Functions reads only CSV \
             inventories: configure the inventory's output format as CSV"
        ));
    }
    let schema_text = text("fileSchema", "the column names, separated by commas")?;
    let schema: Vec<String> = schema_text
        .split(',')
        .map(|c| c.trim().to_owned())
        .collect();
    if schema.iter().any(String::is_empty) {
        return Err(format!(
            "the S3 Inventory manifest's fileSchema {schema_text:?} has an empty column name"
        ));
    }
    let arn = text(
        "destinationBucket",
        "the ARN of the bucket holding the data files",
    )?;
    let bucket = bucket_of(arn).ok_or_else(|| {
        format!(
            "the S3 Inventory manifest's destinationBucket {arn:?} is not the ARN of a bucket \
             (arn:aws:s3:::name)"
        )
    })?;
    let files = m.get("files").and_then(Value::as_array).ok_or(
        "the S3 Inventory manifest has no files array (its data files, each an object with \
         the key of a gzip-compressed CSV file)",
    )?;
    let files = files
        .iter()
        .enumerate()
        .map(|(i, f)| {
            f.get("key")
                .and_then(Value::as_str)
                .map(str::to_owned)
                .ok_or_else(|| {
                    format!(
                        "file {} of the S3 Inventory manifest's files has no key (a string)",
                        i + 1
                    )
                })
        })
        .collect::<Result<_, _>>()?;
    Ok(Manifest {
        bucket: bucket.to_owned(),
        schema,
        files,
    })
}

/// The bucket name of an S3 bucket ARN, in any partition (`arn:aws-cn:s3:::name` too).
fn bucket_of(arn: &str) -> Option<&str> {
    let rest = arn.strip_prefix("arn:")?;
    let (_partition, rest) = rest.split_once(':')?;
    let name = rest.strip_prefix("s3:::")?;
    (!name.is_empty() && !name.contains('/')).then_some(name)
}

/// The rows of one gzip-compressed CSV data file (no header row: the columns are the
/// manifest's `schema`), each an object of strings.
fn data_file(bytes: &[u8], schema: &[String]) -> Result<Vec<Value>, String> {
    // An inventory's data files are always compressed; checking the magic bytes first also
    // refuses an empty or plain-text file, which the decoder would read as nothing.
    if !bytes.starts_with(&[0x1f, 0x8b]) {
        return Err(
            "the file is not gzip-compressed (it does not start with gzip's magic \
                    bytes); S3 Inventory data files are .csv.gz"
                .to_owned(),
        );
    }
    let mut csv = Vec::new();
    MultiGzDecoder::new(bytes)
        .read_to_end(&mut csv)
        .map_err(|e| format!("it is not valid gzip: {e}"))?;
    let text = formats::utf8(&csv)?;
    formats::csv_rows(text, ',')?
        .into_iter()
        .enumerate()
        .map(|(i, row)| {
            if row.len() != schema.len() {
                return Err(format!(
                    "row {} has {} fields but the manifest's fileSchema names {} columns ({})",
                    i + 1,
                    row.len(),
                    schema.len(),
                    schema.join(", ")
                ));
            }
            let item: Map<String, Value> = schema
                .iter()
                .cloned()
                .zip(row.into_iter().map(Value::String))
                .collect();
            Ok(Value::Object(item))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manifest_gives_the_bucket_of_its_arn_and_the_trimmed_schema() {
        let m = parse(
            br#"{"destinationBucket": "arn:aws:s3:::inv", "fileFormat": "CSV",
                "fileSchema": "Bucket, Key ,Size", "files": [{"key": "a.csv.gz"}, {"key": "b"}]}"#,
        )
        .unwrap();
        assert_eq!(
            m,
            Manifest {
                bucket: "inv".into(),
                schema: vec!["Bucket".into(), "Key".into(), "Size".into()],
                files: vec!["a.csv.gz".into(), "b".into()],
            }
        );
    }

    #[test]
    fn bucket_arns_in_any_partition_and_nothing_else() {
        assert_eq!(bucket_of("arn:aws:s3:::inv"), Some("inv"));
        assert_eq!(bucket_of("arn:aws-cn:s3:::inv"), Some("inv"));
        assert_eq!(bucket_of("inv"), None);
        assert_eq!(bucket_of("arn:aws:s3:::"), None);
        assert_eq!(bucket_of("arn:aws:s3:::inv/data"), None);
        assert_eq!(bucket_of("arn:aws:sqs:::inv"), None);
    }

    #[test]
    fn manifests_missing_what_the_reader_needs_are_refused_saying_what() {
        let base = r#""destinationBucket": "arn:aws:s3:::inv", "fileSchema": "Key""#;
        let e = parse(format!(r#"{{{base}, "fileFormat": "CSV"}}"#).as_bytes()).unwrap_err();
        assert!(e.contains("no files"), "{e}");
        let e = parse(format!(r#"{{{base}, "files": []}}"#).as_bytes()).unwrap_err();
        assert!(e.contains("fileFormat"), "{e}");
        let e = parse(
            br#"{"destinationBucket": "inv", "fileFormat": "CSV", "fileSchema": "Key", "files": []}"#,
        )
        .unwrap_err();
        assert!(
            e.contains("destinationBucket") && e.contains("\"inv\""),
            "{e}"
        );
        let e = parse(
            br#"{"destinationBucket": "arn:aws:s3:::inv", "fileFormat": "CSV",
                "fileSchema": "Key,,Size", "files": []}"#,
        )
        .unwrap_err();
        assert!(e.contains("empty column name"), "{e}");
        let e = parse(b"[1]").unwrap_err();
        assert!(e.contains("an array"), "{e}");
    }
}
