//! Reading feed files as a stream: layouts, row numbers, exact bytes of every record, NDJSON,
//! gzip, and the rejects writer.

use std::io::Write as _;
use std::path::PathBuf;

use proptest::prelude::*;
use tt_feed::{FeedError, FeedFile, Format, rejects_path};

fn temporary(name: &str, content: &[u8]) -> PathBuf {
    let folder = std::env::temp_dir().join(format!("tt-feed-{}", std::process::id()));
    std::fs::create_dir_all(&folder).expect("folder");
    let path = folder.join(format!("{}-{name}", rand_suffix()));
    std::fs::write(&path, content).expect("write");
    path
}

fn rand_suffix() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    COUNTER.fetch_add(1, Ordering::Relaxed)
}

fn read_all(file: &mut FeedFile) -> Vec<tt_feed::Record> {
    let mut records = Vec::new();
    while let Some(record) = file.next_record().expect("read") {
        records.push(record);
    }
    records
}

#[test]
fn csv_records_keep_their_physical_rows_and_exact_bytes() {
    let content = b"\xEF\xBB\xBF Name ,Note\r\nalpha,\"one\r\ntwo\"\r\n\r\nbeta,  spaced  \r\n";
    let path = temporary("rows.csv", content);
    let mut file = FeedFile::open(&path, &["name"]).expect("open");
    let records = read_all(&mut file);
    assert_eq!(records.len(), 2);
    assert_eq!(records[0].row, 2);
    assert_eq!(records[0].raw, b"alpha,\"one\r\ntwo\"");
    assert_eq!(file.value(&records[0], "note"), "one\r\ntwo");
    assert_eq!(records[1].row, 5, "the blank line counts as a physical line");
    assert_eq!(file.value(&records[1], "note"), "spaced", "values are trimmed");
    assert_eq!(file.value(&records[1], "missing"), "");
}

#[test]
fn a_missing_required_column_or_an_empty_file_is_fatal() {
    let path = temporary("columns.csv", b"a,b\n1,2\n");
    assert!(matches!(FeedFile::open(&path, &["c"]), Err(FeedError::MissingColumn { column, .. }) if column == "c"));
    let empty = temporary("empty.csv", b"");
    assert!(matches!(FeedFile::open(&empty, &[]), Err(FeedError::Empty { .. })));
}

#[test]
fn ndjson_skips_blank_lines_and_flags_lines_that_are_not_objects() {
    let path = temporary("rows.ndjson", b"{\"A\": \" x \", \"n\": 2.50, \"z\": null}\n\n[1]\n{\"a\":\"y\"}\n");
    let mut file = FeedFile::open(&path, &[]).expect("open");
    assert_eq!(file.format(), Format::Ndjson);
    let records = read_all(&mut file);
    assert_eq!(records.iter().map(|r| r.row).collect::<Vec<_>>(), vec![1, 3, 4]);
    assert_eq!(file.value(&records[0], "a"), "x");
    assert_eq!(file.value(&records[0], "n"), "2.5");
    assert_eq!(file.value(&records[0], "z"), "");
    assert!(records[1].unreadable.is_some());
}

#[test]
fn gzip_files_are_read_transparently() {
    let mut child = std::process::Command::new("gzip")
        .arg("-c")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("gzip");
    child.stdin.take().expect("stdin").write_all(b"a,b\n1,2\n3,4\n").expect("write");
    let compressed = child.wait_with_output().expect("gzip").stdout;
    let path = temporary("rows.csv.gz", &compressed);
    let mut file = FeedFile::open(&path, &["a", "b"]).expect("open");
    let records = read_all(&mut file);
    assert_eq!(records.len(), 2);
    assert_eq!(file.value(&records[1], "b"), "4");
}

#[test]
fn rejects_keep_the_header_and_rows_byte_for_byte() {
    let path = temporary("in.csv", b"a,b\r\n1,\"x,y\"\r\n2,z\r\n");
    let mut file = FeedFile::open(&path, &[]).expect("open");
    let records = read_all(&mut file);
    let out = temporary("out.csv", b"");
    let mut writer = file.rejects_writer(&out).expect("writer");
    writer.write(&records[0], "b: \"bad\"").expect("write");
    assert_eq!(writer.finish().expect("finish"), 1);
    assert_eq!(std::fs::read(&out).expect("read"), b"a,b,error\r\n1,\"x,y\",\"b: \"\"bad\"\"\"\r\n");
    assert_eq!(
        rejects_path(&PathBuf::from("dir"), &PathBuf::from("x/batch1.csv"), true),
        PathBuf::from("dir/batch1.csv.rejects.csv")
    );
    assert_eq!(rejects_path(&PathBuf::from("r.csv"), &PathBuf::from("x/batch1.csv"), false), PathBuf::from("r.csv"));
}

fn csv_field() -> impl Strategy<Value = String> {
    prop_oneof!["[a-z0-9 ]{0,8}", "[a-z,\"\n]{1,8}".prop_map(|text| format!("\"{}\"", text.replace('"', "\"\""))),]
}

proptest! {
    /// Whatever the quoting, every record's bytes are exactly what the file holds, and rows
    /// are the physical lines the records start on.
    #[test]
    fn every_record_is_cut_exactly_from_the_file(rows in proptest::collection::vec(proptest::collection::vec(csv_field(), 2), 1..30), crlf in any::<bool>()) {
        let terminator = if crlf { "\r\n" } else { "\n" };
        let lines: Vec<String> = rows.iter().map(|fields| fields.join(",")).collect();
        let content = format!("a,b{terminator}{}{terminator}", lines.join(terminator));
        let path = temporary("prop.csv", content.as_bytes());
        let mut file = FeedFile::open(&path, &["a", "b"]).expect("open");
        let records = read_all(&mut file);
        prop_assert_eq!(records.len(), lines.len());
        let mut expected_row = 2;
        for (record, line) in records.iter().zip(&lines) {
            prop_assert_eq!(record.row, expected_row);
            prop_assert_eq!(String::from_utf8_lossy(&record.raw).into_owned(), line.clone());
            expected_row += 1 + line.matches('\n').count() as u64;
        }
    }
}
