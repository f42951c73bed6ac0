//! The registries' records (spec §1.1–§1.3), held compactly: a provincial
//! registry has tens of millions of rows, so an enterprise is a fixed-size
//! record and its text lives in shared arenas that `input::registry` fills.

use crate::model::date::Date;
use crate::model::merkle::Hash;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Class {
    A,
    B,
    C,
    D,
}

impl Class {
    pub const ALL: [Class; 4] = [Class::A, Class::B, Class::C, Class::D];

    pub fn letter(self) -> &'static str {
        ["A", "B", "C", "D"][self as usize]
    }

    pub fn parse(text: &str) -> Option<Class> {
        match text {
            "A" | "a" => Some(Class::A),
            "B" | "b" => Some(Class::B),
            "C" | "c" => Some(Class::C),
            "D" | "d" => Some(Class::D),
            _ => None,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Status {
    Active,
    Dormant,
    Revoked,
    Cancelled,
}

impl Status {
    pub fn label(self) -> &'static str {
        ["存续", "歇业", "吊销", "注销"][self as usize]
    }

    /// The stored value for an accepted spelling (spec §1.1 status table).
    pub fn parse(text: &str) -> Option<Status> {
        match text {
            "存续" | "在业" | "在营" | "开业" => return Some(Status::Active),
            "歇业" => return Some(Status::Dormant),
            "吊销" => return Some(Status::Revoked),
            "注销" => return Some(Status::Cancelled),
            _ => {}
        }
        match text.to_ascii_lowercase().as_str() {
            "active" => Some(Status::Active),
            "dormant" | "suspended" => Some(Status::Dormant),
            "revoked" => Some(Status::Revoked),
            "cancelled" | "canceled" => Some(Status::Cancelled),
            _ => None,
        }
    }
}
/// One enterprise, 48 bytes; text fields point into the registry's arenas.
#[derive(Clone, Copy, Debug)]
pub struct Enterprise {
    pub uscc: [u8; 18],
    pub class: Class,
    pub status: Status,
    pub region: [u8; 6],
    pub industry: u32,
    /// Bits 32..40 of the name's offset in the arena (which may pass 4 GiB).
    pub(crate) name_start_hi: u8,
    pub(crate) name_start: u32,
    pub(crate) name_len: u32,
    /// Position of this row's extra values (its index in file order).
    pub(crate) extras_at: u32,
    pub line: u32,
}

impl Enterprise {
    pub fn uscc(&self) -> &str {
        ascii(&self.uscc)
    }
    pub fn region(&self) -> &str {
        ascii(&self.region)
    }
    pub(crate) fn name_range(&self) -> std::ops::Range<usize> {
        let start = ((self.name_start_hi as u64) << 32 | self.name_start as u64) as usize;
        start..start + self.name_len as usize
    }
    pub(crate) fn set_name_start(&mut self, start: u64) {
        self.name_start = start as u32;
        self.name_start_hi = (start >> 32) as u8;
    }
}

/// Validated ASCII as text (cheaper than a general UTF-8 check).
fn ascii(bytes: &[u8]) -> &str {
    assert!(bytes.is_ascii(), "validated ASCII");
    // SAFETY: ASCII is UTF-8.
    unsafe { std::str::from_utf8_unchecked(bytes) }
}

/// A parsed enterprise registry, sorted by USCC.
#[derive(Default)]
pub struct Enterprises {
    pub rows: Vec<Enterprise>,
    pub(crate) names: String,
    pub(crate) industries: Vec<String>,
    /// Extra columns kept because the plan filters on them, sorted.
    pub extra_columns: Vec<String>,
    pub(crate) extra_values: Vec<u32>,
    pub(crate) extra_pool: Vec<String>,
    /// The snapshot root (spec §5), computed once the registry was read,
    /// for `rows.len()` rows; `rows` are not changed after reading.
    pub(crate) read_root: Option<(usize, Hash)>,
}

impl Enterprises {
    /// The snapshot root computed when the registry was read.
    pub(crate) fn read_root(&self) -> Option<Hash> {
        self.read_root.filter(|&(n, _)| n == self.rows.len()).map(|(_, root)| root)
    }

    pub fn name(&self, e: &Enterprise) -> &str {
        &self.names[e.name_range()]
    }
    pub fn industry(&self, e: &Enterprise) -> &str {
        &self.industries[e.industry as usize]
    }
    /// Value of kept extra column `j` (index into `extra_columns`).
    pub fn extra(&self, e: &Enterprise, j: usize) -> &str {
        let m = self.extra_columns.len();
        &self.extra_pool[self.extra_values[e.extras_at as usize * m + j] as usize]
    }
    /// Hints the CPU to fetch a name that will be read soon.
    pub(crate) fn prefetch_name(&self, e: &Enterprise) {
        #[cfg(target_arch = "x86_64")]
        {
            let range = e.name_range();
            if range.end <= self.names.len() {
                let base = self.names.as_ptr();
                // SAFETY: a prefetch never faults, and both addresses lie
                // within the arena.
                unsafe {
                    use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
                    _mm_prefetch::<_MM_HINT_T0>(base.add(range.start) as *const i8);
                    _mm_prefetch::<_MM_HINT_T0>(base.add(range.end.max(1) - 1) as *const i8);
                }
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        let _ = e;
    }

    pub fn find(&self, uscc: &str) -> Option<usize> {
        self.rows.binary_search_by(|r| r.uscc.as_slice().cmp(uscc.as_bytes())).ok()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    Inspector,
    Expert,
}

impl Role {
    pub fn label(self) -> &'static str {
        match self {
            Role::Inspector => "inspector",
            Role::Expert => "expert",
        }
    }
}

#[derive(Clone, Debug)]
pub struct Inspector {
    pub id: String,
    pub name: String,
    pub department: String,
    pub region: String,
    pub active: bool,
    pub role: Role,
    pub qualifications: Vec<String>,
    pub cert_expires: Option<Date>,
    pub line: u64,
}

/// The registries a draw reads, already validated.
pub struct Registries<'a> {
    pub enterprises: &'a Enterprises,
    pub inspectors: &'a [Inspector],
    /// Recusal pairs (inspector index, enterprise row), sorted.
    pub conflicts: &'a [(u32, u32)],
}
