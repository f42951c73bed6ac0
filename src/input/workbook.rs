//! Which input paths are Excel workbooks (spec §1.6). A leaf module: the
//! error messages (`error`) and the workbook reader (`xlsx`) both ask.

use std::path::Path;

/// The file extensions read as workbooks (calamine reads them all alike).
const WORKBOOK_EXTENSIONS: [&str; 5] = ["xlsx", "xlsm", "xlsb", "xls", "ods"];

/// Whether `path` names a workbook rather than a CSV file.
pub fn is_workbook(path: &Path) -> bool {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    WORKBOOK_EXTENSIONS.iter().any(|w| w.eq_ignore_ascii_case(ext))
}
