//! The columns of the three registries (spec §1.1–§1.3): each field under its
//! English key and the Chinese headers regulators' exports use.

/// A field a table may carry, under its English key or a Chinese alias.
pub struct Field {
    pub key: &'static str,
    pub aliases: &'static [&'static str],
    pub required: bool,
}

pub const ENTERPRISE_FIELDS: &[Field] = &[
    Field { key: "uscc", aliases: &["统一社会信用代码", "信用代码"], required: true },
    Field { key: "name", aliases: &["企业名称", "名称"], required: true },
    Field { key: "credit_class", aliases: &["信用风险分类", "风险分类", "信用分类"], required: true },
    Field { key: "region", aliases: &["区域代码", "行政区划代码"], required: true },
    Field { key: "industry", aliases: &["行业代码"], required: true },
    Field { key: "status", aliases: &["登记状态", "经营状态"], required: true },
    Field { key: "established", aliases: &["成立日期"], required: false },
    // Spec §6.3: the dormancy term, and the service address that is never read.
    Field { key: "dormant_from", aliases: &["歇业日期"], required: false },
    Field { key: "dormant_until", aliases: &["歇业期限"], required: false },
    Field { key: "service_address", aliases: &["送达地址"], required: false },
];

pub const INSPECTOR_FIELDS: &[Field] = &[
    Field { key: "id", aliases: &["执法证号", "执法证件号"], required: true },
    Field { key: "name", aliases: &["姓名"], required: true },
    Field { key: "department", aliases: &["部门", "所属部门"], required: true },
    Field { key: "region", aliases: &["区域代码", "行政区划代码"], required: true },
    Field { key: "active", aliases: &["在岗"], required: false },
    Field { key: "qualifications", aliases: &["资质"], required: false },
    Field { key: "cert_expires", aliases: &["证件有效期"], required: false },
    Field { key: "role", aliases: &["角色"], required: false },
];

pub const CONFLICT_FIELDS: &[Field] = &[
    Field { key: "inspector_id", aliases: &["执法证号", "执法证件号"], required: true },
    Field { key: "uscc", aliases: &["统一社会信用代码", "信用代码"], required: true },
    Field { key: "reason", aliases: &["回避原因", "原因"], required: false },
];
