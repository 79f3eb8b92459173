//! Reading a generated PDF back with an independent reader, `pdftotext` (poppler).

/// The PDF's text as `pdftotext -layout` extracts it, whitespace collapsed so a wrapped sentence
/// reads whole; `None` when the tool is not installed outside CI (under CI its absence fails).
///
/// # Panics
/// When the PDF cannot be written to a temporary file or `pdftotext` cannot read it.
#[must_use]
pub fn pdf_text(bytes: &[u8]) -> Option<String> {
    let path = std::env::temp_dir().join(format!("tt-pdf-{}.pdf", uuid::Uuid::new_v4().simple()));
    std::fs::write(&path, bytes).expect("write the PDF");
    let result = match std::process::Command::new("pdftotext").args(["-layout"]).arg(&path).arg("-").output() {
        Ok(output) => {
            assert!(
                output.status.success(),
                "pdftotext could not read the PDF: {}",
                String::from_utf8_lossy(&output.stderr)
            );
            Some(String::from_utf8_lossy(&output.stdout).split_whitespace().collect::<Vec<_>>().join(" "))
        }
        Err(_) if std::env::var_os("CI").is_some() => panic!("pdftotext is missing: install poppler-utils"),
        Err(_) => {
            eprintln!("skipping the PDF read-back: install the Debian package poppler-utils");
            None
        }
    };
    let _ = std::fs::remove_file(&path);
    result
}
