//! Deterministic synthetic registries (`fairdraw gen`).
//!
//! Generates an enterprise registry (检查对象名录库), an inspector roster
//! (执法检查人员名录库) and a recusal list (回避名单) for one invented city
//! modelled on Hangzhou, in the CSV formats of `audit/SPEC.md` §1.1–§1.3.
//! Everything is made up: names are assembled from common characters, phone
//! numbers are masked, and every USCC, while passing the GB 32100 check,
//! deliberately fails the GB 11714 organisation-code check embedded in real
//! codes (characters 9–17), so it should not coincide with a real registration.
//!
//! The output bytes depend only on [`SynthConfig`]: no wall clock, no
//! environment, no entropy. Random choices come from ChaCha8 (`rand_chacha`)
//! keyed by the seed, with one stream per file and a window of it per row:
//! enterprise row `i` is a pure function of `(seed, i)`, so a smaller registry
//! is a prefix of a larger one with the same seed. Every file starts with the
//! UTF-8 BOM (so that spreadsheet software opens it as UTF-8) followed by a
//! Chinese header line; lines end with `\n`; no value needs CSV quoting.

use std::collections::HashSet;
use std::io::{self, BufWriter, Write};
use std::path::Path;
use std::sync::LazyLock;

use chrono::{Days, NaiveDate};
use rand::distr::{weighted::WeightedIndex, Distribution};
use rand::seq::IndexedRandom;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::model::uscc::{check_char, ALPHABET};

/// How much to generate, and from which seed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SynthConfig {
    /// Rows of `enterprises.csv` (at most [`MAX_ENTERPRISES`]).
    pub enterprises: u64,
    /// Rows of `inspectors.csv`.
    pub inspectors: u32,
    /// Rows of `conflicts.csv` (fewer when there are not that many distinct pairs).
    pub conflicts: u32,
    pub seed: u64,
}

impl Default for SynthConfig {
    /// 5,000 enterprises, 120 inspectors, 60 recusal pairs, seed 2026: the
    /// bundled sample data in `data/`.
    fn default() -> Self {
        SynthConfig { enterprises: 5000, inspectors: 120, conflicts: 60, seed: 2026 }
    }
}

/// The largest registry this generator can make with unique codes (31⁶).
pub const MAX_ENTERPRISES: u64 = 887_503_681;

/// Header of `enterprises.csv` (after the BOM).
pub const ENTERPRISES_HEADER: &str =
    "统一社会信用代码,企业名称,信用风险分类,区域代码,行业代码,登记状态,成立日期,列入经营异常名录,联系电话";
/// Header of `inspectors.csv` (after the BOM).
pub const INSPECTORS_HEADER: &str = "执法证号,姓名,所属部门,区域代码,在岗,资质,证件有效期,角色";
/// Header of `conflicts.csv` (after the BOM).
pub const CONFLICTS_HEADER: &str = "执法证号,统一社会信用代码,回避原因";

const BOM: &[u8] = b"\xEF\xBB\xBF";

// ---------------------------------------------------------------------------
// Random numbers: ChaCha8 keyed by the seed, one ChaCha stream per file, and
// for each row its own window of 2³² words of that stream, so row `i` is a
// pure function of `(seed, i)` whatever other rows are generated.

const STREAM_ENTERPRISE: u64 = 0x656e_7465_7270_7269; // "enterpri"
const STREAM_INSPECTOR: u64 = 0x696e_7370_6563_746f; // "inspecto"
const STREAM_CONFLICT: u64 = 0x636f_6e66_6c69_6374; // "conflict"

/// The generator of row `idx` of `stream` (a row draws a few dozen words).
fn row_rng(seed: u64, stream: u64, idx: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(stream);
    rng.set_word_pos(u128::from(idx) << 32);
    rng
}

fn per_mille(rng: &mut ChaCha8Rng, p: u32) -> bool {
    rng.random_ratio(p, 1000)
}

fn pick<T: Copy>(rng: &mut ChaCha8Rng, xs: &[T]) -> T {
    *xs.choose(rng).expect("the tables are not empty")
}

/// An index into `weights`, with probability proportional to its weight.
fn weighted(rng: &mut ChaCha8Rng, weights: &'static LazyLock<WeightedIndex<u32>>) -> usize {
    weights.sample(rng)
}

/// The weight tables below as distributions, built once.
macro_rules! distribution {
    ($name:ident, $weights:expr) => {
        static $name: LazyLock<WeightedIndex<u32>> =
            LazyLock::new(|| WeightedIndex::new($weights).expect("positive weights"));
    };
}
distribution!(DISTRICT_DIST, DISTRICT_WEIGHTS);
distribution!(INDUSTRY_DIST, INDUSTRY_WEIGHTS);
distribution!(CLASS_DIST, CLASS_WEIGHTS);
distribution!(STATUS_DIST, STATUS_WEIGHTS);

// ---------------------------------------------------------------------------
// Tables.

struct District {
    code: &'static str,
    name: &'static str,
    short: &'static str,
    weight: u32,
}

/// The districts of the city (weights ≈ share of market entities).
const DISTRICTS: [District; 13] = [
    District { code: "330102", name: "上城区", short: "上城", weight: 10 },
    District { code: "330105", name: "拱墅区", short: "拱墅", weight: 10 },
    District { code: "330106", name: "西湖区", short: "西湖", weight: 11 },
    District { code: "330108", name: "滨江区", short: "滨江", weight: 8 },
    District { code: "330109", name: "萧山区", short: "萧山", weight: 14 },
    District { code: "330110", name: "余杭区", short: "余杭", weight: 12 },
    District { code: "330111", name: "富阳区", short: "富阳", weight: 7 },
    District { code: "330112", name: "临安区", short: "临安", weight: 5 },
    District { code: "330113", name: "临平区", short: "临平", weight: 7 },
    District { code: "330114", name: "钱塘区", short: "钱塘", weight: 6 },
    District { code: "330122", name: "桐庐县", short: "桐庐", weight: 4 },
    District { code: "330127", name: "淳安县", short: "淳安", weight: 3 },
    District { code: "330182", name: "建德市", short: "建德", weight: 3 },
];

const DISTRICT_WEIGHTS: [u32; 13] = {
    let mut w = [0u32; 13];
    let mut i = 0;
    while i < 13 {
        w[i] = DISTRICTS[i].weight;
        i += 1;
    }
    w
};

/// A GB/T 4754-2017 class with the words used to name its businesses.
struct Industry {
    code: &'static str,
    weight: u32,
    /// `杭州 + 字号 + word + 有限公司`.
    company: &'static [&'static str],
    /// Individual businesses (个体工商户): `区 + 字号 + word`.
    shop: &'static [&'static str],
    /// Percentage of individual businesses.
    shop_pct: u32,
    /// Farmers' cooperative word (农民专业合作社), or "".
    coop: &'static str,
}

const fn ind(
    code: &'static str,
    weight: u32,
    company: &'static [&'static str],
    shop: &'static [&'static str],
    shop_pct: u32,
) -> Industry {
    Industry { code, weight, company, shop, shop_pct, coop: "" }
}

const INDUSTRIES: [Industry; 32] = [
    // F52 零售业
    ind("F5211", 25, &["百货", "商贸"], &["百货店", "日用品店"], 30), // 百货零售
    ind("F5212", 45, &["超市", "商业连锁"], &["超市"], 40),           // 超级市场零售
    ind("F5213", 50, &["便利店", "便利连锁"], &["便利店", "小卖部"], 60), // 便利店零售
    ind("F5221", 25, &["粮油"], &["粮油店", "米店"], 70),             // 粮油零售
    ind("F5222", 25, &["食品", "烘焙"], &["面包店", "糕点店"], 60),   // 糕点、面包零售
    Industry {
        code: "F5223", // 果品、蔬菜零售
        weight: 45,
        company: &["果业", "农产品"],
        shop: &["水果店", "蔬菜店", "果蔬店"],
        shop_pct: 75,
        coop: "果蔬专业合作社",
    },
    ind("F5224", 35, &["生鲜", "水产"], &["鲜肉店", "水产店", "禽蛋店"], 80), // 肉、禽、蛋、奶及水产品零售
    ind("F5225", 15, &["保健品", "健康科技"], &["保健品店"], 20),             // 营养和保健品零售
    ind("F5226", 30, &["茶叶", "酒业"], &["茶行", "烟酒店", "茶叶店"], 60),   // 酒、饮料及茶叶零售
    ind("F5229", 25, &["食品"], &["食品店", "炒货店", "副食品店"], 65),       // 其他食品零售
    ind("F5251", 30, &["大药房", "医药连锁", "药房"], &["药店"], 10),         // 西药零售
    ind("F5252", 10, &["国药馆", "中药"], &["中药店"], 20),                   // 中药零售
    ind("F5254", 15, &["医疗器械"], &["医疗器械店"], 15),                     // 医疗用品及器材零售
    ind("F5265", 10, &["石油销售", "能源"], &[], 0),                          // 机动车燃油零售
    // F51 批发业
    ind("F5129", 25, &["食品贸易", "供应链管理"], &[], 0), // 其他食品批发
    // H61 住宿业, H62 餐饮业
    ind("H6110", 15, &["酒店管理", "大酒店"], &[], 0),  // 旅游饭店
    ind("H6121", 15, &["酒店"], &["宾馆", "旅馆"], 40), // 经济型连锁酒店
    ind("H6210", 80, &["餐饮管理", "餐饮", "饮食"], &["饭店", "酒家", "菜馆", "农家乐"], 55), // 正餐服务
    ind("H6220", 55, &["餐饮", "快餐"], &["快餐店", "盒饭店"], 60), // 快餐服务
    ind("H6231", 15, &["茶文化"], &["茶馆", "茶楼"], 60), // 茶馆服务
    ind("H6232", 20, &["咖啡"], &["咖啡馆", "咖啡店"], 40), // 咖啡馆服务
    ind("H6241", 10, &["配餐", "团膳管理"], &[], 0),    // 餐饮配送服务
    ind("H6291", 60, &["餐饮", "小吃"], &["小吃店", "面馆", "早餐店", "馄饨店"], 90), // 小吃服务
    // C14 食品制造业, C15 精制茶, C27 医药, C33 金属制品
    ind("C1411", 15, &["食品", "烘焙食品"], &["糕点坊"], 30), // 糕点、面包制造
    ind("C1431", 10, &["食品", "米业"], &["面坊"], 30),       // 米、面制品制造
    ind("C1432", 5, &["冷冻食品", "食品"], &[], 0),           // 速冻食品制造
    ind("C1441", 3, &["乳业"], &[], 0),                       // 液体乳制造
    Industry {
        code: "C1530", // 精制茶加工
        weight: 15,
        company: &["茶业", "茶叶"],
        shop: &["茶厂"],
        shop_pct: 30,
        coop: "茶叶专业合作社",
    },
    ind("C2720", 5, &["制药", "药业"], &[], 0),        // 化学药品制剂制造
    ind("C3311", 25, &["钢结构", "金属制品"], &[], 0), // 金属结构制造
    // L72 商务服务业, I65 软件和信息技术服务业
    ind("L7251", 30, &["网络科技", "传媒"], &[], 0), // 互联网广告服务
    ind("L7259", 25, &["广告", "文化传媒"], &["图文广告部"], 30), // 其他广告服务
];

const INDUSTRY_WEIGHTS: [u32; 32] = {
    let mut w = [0u32; 32];
    let mut i = 0;
    while i < 32 {
        w[i] = INDUSTRIES[i].weight;
        i += 1;
    }
    w
};

const BRAND_FIRST: [&str; 60] = [
    "华", "兴", "盛", "鑫", "瑞", "源", "恒", "宏", "达", "嘉", "金", "新", "天", "永", "泰", "丰", "德", "福", "祥",
    "和", "合", "安", "康", "佳", "美", "宝", "联", "信", "诚", "正", "益", "乐", "众", "博", "创", "明", "晨", "东",
    "远", "方", "智", "锦", "绿", "湖", "江", "山", "海", "云", "春", "阳", "光", "星", "旭", "润", "汇", "百", "君",
    "悦", "禾", "如",
];
const BRAND_SECOND: [&str; 60] = [
    "泰", "达", "源", "丰", "业", "昌", "隆", "辉", "通", "发", "利", "邦", "瑞", "华", "盛", "成", "缘", "阁", "轩",
    "品", "味", "鲜", "香", "甜", "悦", "然", "禾", "田", "川", "林", "家", "园", "居", "堂", "苑", "庭", "岚", "峰",
    "腾", "越", "航", "拓", "凯", "捷", "锐", "晟", "昊", "铭", "祥", "福", "顺", "荣", "泽", "宇", "意", "美", "城",
    "坊", "记", "新",
];
const SURNAMES: [&str; 50] = [
    "王", "陈", "张", "李", "刘", "杨", "黄", "吴", "徐", "朱", "周", "胡", "孙", "沈", "钱", "金", "蒋", "方", "叶",
    "俞", "姚", "汪", "郑", "何", "林", "马", "高", "邵", "潘", "许", "章", "楼", "应", "陆", "丁", "傅", "吕", "施",
    "赵", "孔", "童", "袁", "冯", "褚", "韩", "毛", "程", "夏", "严", "范",
];
const GIVEN: [&str; 60] = [
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀", "霞",
    "平", "刚", "英", "华", "建", "国", "志", "文", "斌", "浩", "宇", "婷", "雪", "琳", "晨", "颖", "倩", "佳", "欣",
    "然", "晓", "俊", "鹏", "辉", "峰", "凯", "蕾", "瑶", "怡", "昊", "睿", "航", "哲", "逸", "珊", "萍", "红", "燕",
    "波", "健", "亮",
];
const MOBILE_PREFIXES: [&str; 24] = [
    "130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "153", "155", "156", "157",
    "158", "159", "177", "180", "186", "187", "189", "199",
];

const CLASSES: [u8; 4] = *b"ABCD";
/// ≈ A 45 %, B 40 %, C 12 %, D 3 %.
const CLASS_WEIGHTS: [u32; 4] = [450, 400, 120, 30];
/// Per-mille chance of 列入经营异常名录 by class (≈ 5 % overall).
const ABNORMAL_PER_MILLE: [u32; 4] = [10, 40, 150, 400];
const STATUSES: [&str; 4] = ["存续", "歇业", "吊销", "注销"];
/// ≈ 88 % 存续, 4 % 歇业, 3 % 吊销, 5 % 注销.
const STATUS_WEIGHTS: [u32; 4] = [880, 40, 30, 50];

// ---------------------------------------------------------------------------
// Dates.

const fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("a real date")
}

const ESTABLISHED_FIRST: NaiveDate = ymd(1995, 1, 1);
const ESTABLISHED_LAST: NaiveDate = ymd(2026, 9, 30);
/// Codes issued before this day embed the enterprise's old organisation code.
const USCC_REFORM: NaiveDate = ymd(2015, 10, 1);
const CERT_VALID_FIRST: NaiveDate = ymd(2027, 1, 1);
const CERT_VALID_LAST: NaiveDate = ymd(2031, 12, 31);
const CERT_EXPIRED_FIRST: NaiveDate = ymd(2025, 1, 1);
const CERT_EXPIRED_LAST: NaiveDate = ymd(2026, 11, 30);

/// A uniformly random day of `first..=last`.
fn day_between(rng: &mut ChaCha8Rng, first: NaiveDate, last: NaiveDate) -> NaiveDate {
    first + Days::new(rng.random_range(0..=(last - first).num_days() as u64))
}

/// `YYYY-MM-DD`, the format of spec §1.5.
fn push_date(buf: &mut Vec<u8>, date: NaiveDate) {
    write!(buf, "{date}").expect("writing to a Vec cannot fail");
}

// ---------------------------------------------------------------------------
// Enterprises.

/// Multipliers of the index permutations (coprime with 10⁸ and with 31⁶).
const OLD_MUL: u64 = 48_271_927;
const OLD_ADD: u64 = 13_572_468;
const OLD_MOD: u64 = 100_000_000;
const NEW_MUL: u64 = 612_662_333;
const NEW_ADD: u64 = 205_147_901;

struct Enterprise {
    uscc: [u8; 18],
    name: [&'static str; 7],
    class: u8,
    district: usize,
    industry: usize,
    status: usize,
    established: NaiveDate,
    abnormal: bool,
    phone: [u8; 16],
    phone_len: usize,
}

/// GB 11714 value of an organisation-code character (digits, then A = 10 …).
fn org_value(b: u8) -> u32 {
    if b.is_ascii_digit() {
        (b - b'0') as u32
    } else {
        (b - b'A') as u32 + 10
    }
}

/// Characters 9–17 of the USCC: an 8-character body that is unique for the
/// row index, then a check character that is deliberately *not* the
/// GB 11714 one (so no synthetic code equals a real one).
fn subject_code(idx: u64, old_style: bool, rng: &mut ChaCha8Rng, out: &mut [u8]) {
    let body = &mut out[..8];
    if old_style && idx < OLD_MOD {
        // Pre-2015 organisation code: 8 digits.
        let mut v = (idx % OLD_MOD * OLD_MUL + OLD_ADD) % OLD_MOD;
        for b in body.iter_mut().rev() {
            *b = b'0' + (v % 10) as u8;
            v /= 10;
        }
    } else {
        // Codes assigned by the registration authority since 2015: "MA" + 6.
        let mut v = (idx % MAX_ENTERPRISES * NEW_MUL + NEW_ADD) % MAX_ENTERPRISES;
        body[0] = b'M';
        body[1] = b'A';
        for b in body[2..].iter_mut().rev() {
            *b = ALPHABET[(v % 31) as usize];
            v /= 31;
        }
    }
    const W: [u32; 8] = [3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = body.iter().zip(W).map(|(&b, w)| org_value(b) * w).sum();
    let correct = (11 - sum % 11) % 11; // 10 is written X
    let wrong = (correct + 1 + rng.random_range(0..10u32)) % 11;
    out[8] = if wrong == 10 { b'X' } else { b'0' + wrong as u8 };
}

fn enterprise(seed: u64, idx: u64) -> Enterprise {
    let mut rng = row_rng(seed, STREAM_ENTERPRISE, idx);
    let district = weighted(&mut rng, &DISTRICT_DIST);
    let industry = weighted(&mut rng, &INDUSTRY_DIST);
    let ind = &INDUSTRIES[industry];
    let dist = &DISTRICTS[district];

    // 1 企业, 2 个体工商户, 3 农民专业合作社 (GB 32100 机构类别 under 工商).
    let kind = if !ind.coop.is_empty() && per_mille(&mut rng, 80) {
        b'3'
    } else if !ind.shop.is_empty() && rng.random_ratio(ind.shop_pct, 100) {
        b'2'
    } else {
        b'1'
    };

    // More recent registrations are more frequent (density rises linearly).
    let one = day_between(&mut rng, ESTABLISHED_FIRST, ESTABLISHED_LAST);
    let other = day_between(&mut rng, ESTABLISHED_FIRST, ESTABLISHED_LAST);
    let established = one.max(other);
    let class_idx = weighted(&mut rng, &CLASS_DIST);
    let status = weighted(&mut rng, &STATUS_DIST);
    let abnormal = per_mille(&mut rng, ABNORMAL_PER_MILLE[class_idx]);

    let mut uscc = [0u8; 18];
    uscc[0] = b'9';
    uscc[1] = kind;
    uscc[2..8].copy_from_slice(dist.code.as_bytes());
    let old_style = kind != b'2' && established < USCC_REFORM;
    subject_code(idx, old_style, &mut rng, &mut uscc[8..17]);
    uscc[17] = check_char(&uscc[..17]).expect("generated from the alphabet");

    let first = pick(&mut rng, &BRAND_FIRST);
    let mut second = pick(&mut rng, &BRAND_SECOND);
    if second == first {
        second = pick(&mut rng, &BRAND_SECOND);
    }
    let (city, place) = if dist.name.ends_with('区') { ("杭州市", dist.name) } else { ("", dist.name) };
    let name = match kind {
        b'1' => {
            let (a, b) = match rng.random_range(0..100) {
                0..=4 => ("浙江", ""),
                5..=29 => ("杭州", dist.short),
                _ => ("杭州", ""),
            };
            let third = if per_mille(&mut rng, 250) { pick(&mut rng, &BRAND_SECOND) } else { "" };
            let form = if per_mille(&mut rng, 30) { "股份有限公司" } else { "有限公司" };
            [a, b, first, second, third, pick(&mut rng, ind.company), form]
        }
        b'2' => {
            let (f, s) = match rng.random_range(0..100) {
                0..=19 => (pick(&mut rng, &SURNAMES), "记"),
                20..=34 => ("老", pick(&mut rng, &SURNAMES)),
                35..=44 => ("阿", pick(&mut rng, &GIVEN)),
                _ => (first, second),
            };
            [city, place, f, s, pick(&mut rng, ind.shop), "", ""]
        }
        _ => [city, place, first, second, ind.coop, "", ""],
    };

    // Masked contact number, as published registries show them.
    let mut phone = [0u8; 16];
    let digits = rng.random_range(0..10_000);
    let phone_len = if per_mille(&mut rng, 700) {
        let prefix = pick(&mut rng, &MOBILE_PREFIXES).as_bytes();
        phone[..3].copy_from_slice(prefix);
        phone[3..7].copy_from_slice(b"****");
        write_digits(&mut phone[7..11], digits);
        11
    } else {
        phone[..9].copy_from_slice(b"0571-8***");
        write_digits(&mut phone[9..13], digits);
        13
    };

    Enterprise {
        uscc,
        name,
        class: CLASSES[class_idx],
        district,
        industry,
        status,
        established,
        abnormal,
        phone,
        phone_len,
    }
}

fn write_digits(out: &mut [u8], mut v: u64) {
    for b in out.iter_mut().rev() {
        *b = b'0' + (v % 10) as u8;
        v /= 10;
    }
}

fn check_enterprise_count(cfg: &SynthConfig) -> io::Result<()> {
    if cfg.enterprises > MAX_ENTERPRISES {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("at most {MAX_ENTERPRISES} synthetic enterprises, {} asked", cfg.enterprises),
        ));
    }
    Ok(())
}

/// Writes `enterprises.csv`: BOM, [`ENTERPRISES_HEADER`], `cfg.enterprises` rows.
pub fn write_enterprises<W: Write>(cfg: &SynthConfig, out: W) -> io::Result<()> {
    check_enterprise_count(cfg)?;
    let mut out = BufWriter::with_capacity(1 << 20, out);
    out.write_all(BOM)?;
    out.write_all(ENTERPRISES_HEADER.as_bytes())?;
    out.write_all(b"\n")?;
    let mut line = Vec::with_capacity(256);
    for idx in 0..cfg.enterprises {
        let e = enterprise(cfg.seed, idx);
        line.clear();
        line.extend_from_slice(&e.uscc);
        line.push(b',');
        for part in e.name {
            line.extend_from_slice(part.as_bytes());
        }
        line.push(b',');
        line.push(e.class);
        line.push(b',');
        line.extend_from_slice(DISTRICTS[e.district].code.as_bytes());
        line.push(b',');
        line.extend_from_slice(INDUSTRIES[e.industry].code.as_bytes());
        line.push(b',');
        line.extend_from_slice(STATUSES[e.status].as_bytes());
        line.push(b',');
        push_date(&mut line, e.established);
        line.push(b',');
        line.extend_from_slice(if e.abnormal { "是" } else { "否" }.as_bytes());
        line.push(b',');
        line.extend_from_slice(&e.phone[..e.phone_len]);
        line.push(b'\n');
        out.write_all(&line)?;
    }
    out.flush()
}

// ---------------------------------------------------------------------------
// Inspectors.

struct Department {
    name: &'static str,
    /// Two-digit code inside the certificate number.
    code: &'static str,
    /// Share of the roster, percent (the first department takes the rest).
    share: u64,
    /// Qualifications with their per-mille frequency; the first is the fallback.
    quals: &'static [(&'static str, u32)],
}

const DEPARTMENTS: [Department; 5] = [
    Department {
        name: "市场监督管理局",
        code: "01",
        share: 60,
        quals: &[
            ("食品", 750),
            ("药品", 250),
            ("特种设备", 300),
            ("计量", 300),
            ("价格", 300),
            ("广告", 250),
            ("产品质量", 300),
            ("知识产权", 100),
        ],
    },
    Department {
        name: "卫生健康委员会",
        code: "02",
        share: 15,
        quals: &[("公共卫生", 800), ("职业卫生", 300), ("医疗", 400), ("食品", 400)],
    },
    Department {
        name: "生态环境局",
        code: "03",
        share: 10,
        quals: &[("环境监测", 600), ("排污许可", 600), ("危险废物", 400)],
    },
    Department {
        name: "应急管理局",
        code: "04",
        share: 10,
        quals: &[("安全生产", 900), ("危险化学品", 500), ("消防", 300)],
    },
    Department {
        name: "商务局",
        code: "05",
        share: 5,
        quals: &[("商务执法", 800), ("单用途预付卡", 500), ("成品油", 400)],
    },
];

/// Roster rows per department, in [`DEPARTMENTS`] order.
fn department_counts(n: u32) -> [u64; 5] {
    let n = n as u64;
    let mut counts = [0u64; 5];
    for (c, d) in counts.iter_mut().zip(DEPARTMENTS.iter()).skip(1) {
        *c = n * d.share / 100;
    }
    counts[0] = n - counts[1..].iter().sum::<u64>();
    counts
}

struct Inspector {
    /// `区域代码(6) + 部门(2) + 序号(≥6)`.
    id: [u8; 24],
    id_len: usize,
    name: [&'static str; 3],
    department: usize,
    district: usize,
    active: bool,
    quals: u32,
    cert_expires: NaiveDate,
    expert: bool,
}

fn inspector(seed: u64, counts: &[u64; 5], i: u64) -> Inspector {
    let mut rng = row_rng(seed, STREAM_INSPECTOR, i);
    let (mut department, mut j) = (0, i);
    while department + 1 < counts.len() && j >= counts[department] {
        j -= counts[department];
        department += 1;
    }
    // Round robin over the districts, so that every district has inspectors
    // of the main department as soon as it has 13 of them.
    let district = ((j + 3 * department as u64) % DISTRICTS.len() as u64) as usize;
    let expert = i % 20 == 10;

    let mut id = [0u8; 24];
    id[..6].copy_from_slice(DISTRICTS[district].code.as_bytes());
    id[6..8].copy_from_slice(DEPARTMENTS[department].code.as_bytes());
    let mut serial = [0u8; 20];
    let mut v = i + 1;
    let mut len = 0;
    while v > 0 || len < 6 {
        serial[len] = b'0' + (v % 10) as u8;
        v /= 10;
        len += 1;
    }
    for k in 0..len {
        id[8 + k] = serial[len - 1 - k];
    }
    let id_len = 8 + len;

    let surname = pick(&mut rng, &SURNAMES);
    let g1 = pick(&mut rng, &GIVEN);
    let g2 = if per_mille(&mut rng, 600) { pick(&mut rng, &GIVEN) } else { "" };
    let active = !per_mille(&mut rng, 60);
    let cert_expires = if per_mille(&mut rng, 50) {
        day_between(&mut rng, CERT_EXPIRED_FIRST, CERT_EXPIRED_LAST)
    } else {
        day_between(&mut rng, CERT_VALID_FIRST, CERT_VALID_LAST)
    };
    let mut quals = 0u32;
    for (k, &(_, p)) in DEPARTMENTS[department].quals.iter().enumerate() {
        if per_mille(&mut rng, p) {
            quals |= 1 << k;
        }
    }
    if quals == 0 {
        quals = 1;
    }
    Inspector { id, id_len, name: [surname, g1, g2], department, district, active, quals, cert_expires, expert }
}

/// Writes `inspectors.csv`: BOM, [`INSPECTORS_HEADER`], `cfg.inspectors` rows
/// across five departments (≈ 60 % 市场监督管理局).
pub fn write_inspectors<W: Write>(cfg: &SynthConfig, out: W) -> io::Result<()> {
    let mut out = BufWriter::with_capacity(1 << 16, out);
    out.write_all(BOM)?;
    out.write_all(INSPECTORS_HEADER.as_bytes())?;
    out.write_all(b"\n")?;
    let counts = department_counts(cfg.inspectors);
    let mut line = Vec::with_capacity(256);
    for i in 0..cfg.inspectors as u64 {
        let p = inspector(cfg.seed, &counts, i);
        let dept = &DEPARTMENTS[p.department];
        line.clear();
        line.extend_from_slice(&p.id[..p.id_len]);
        line.push(b',');
        for part in p.name {
            line.extend_from_slice(part.as_bytes());
        }
        line.push(b',');
        line.extend_from_slice(dept.name.as_bytes());
        line.push(b',');
        line.extend_from_slice(DISTRICTS[p.district].code.as_bytes());
        line.push(b',');
        line.extend_from_slice(if p.active { "是" } else { "否" }.as_bytes());
        line.push(b',');
        let mut first = true;
        for (k, &(q, _)) in dept.quals.iter().enumerate() {
            if p.quals & (1 << k) != 0 {
                if !first {
                    line.push(b';');
                }
                line.extend_from_slice(q.as_bytes());
                first = false;
            }
        }
        line.push(b',');
        push_date(&mut line, p.cert_expires);
        line.push(b',');
        line.extend_from_slice(if p.expert { b"expert".as_slice() } else { b"inspector".as_slice() });
        line.push(b'\n');
        out.write_all(&line)?;
    }
    out.flush()
}

// ---------------------------------------------------------------------------
// Conflicts.

const REASONS: [&str; 6] =
    ["近亲属任职", "曾在该企业任职", "近亲属持股", "与法定代表人有利害关系", "曾为该企业提供咨询服务", "本人申请回避"];

/// Writes `conflicts.csv`: BOM, [`CONFLICTS_HEADER`], up to `cfg.conflicts`
/// distinct (inspector, enterprise) pairs, the enterprise preferably in the
/// inspector's own district.
pub fn write_conflicts<W: Write>(cfg: &SynthConfig, out: W) -> io::Result<()> {
    check_enterprise_count(cfg)?;
    let mut out = BufWriter::with_capacity(1 << 16, out);
    out.write_all(BOM)?;
    out.write_all(CONFLICTS_HEADER.as_bytes())?;
    out.write_all(b"\n")?;
    if cfg.enterprises == 0 || cfg.inspectors == 0 {
        return out.flush();
    }
    let counts = department_counts(cfg.inspectors);
    let wanted = (cfg.conflicts as u64).min(cfg.enterprises.saturating_mul(cfg.inspectors as u64));
    let mut seen: HashSet<(u64, u64)> = HashSet::with_capacity(wanted as usize);
    let mut rng = row_rng(cfg.seed, STREAM_CONFLICT, 0);
    let mut attempts = 0u64;
    let max_attempts = 100 * wanted + 1000;
    let mut line = Vec::with_capacity(128);
    while (seen.len() as u64) < wanted && attempts < max_attempts {
        attempts += 1;
        let i = rng.random_range(0..cfg.inspectors as u64);
        let p = inspector(cfg.seed, &counts, i);
        let mut e_idx = rng.random_range(0..cfg.enterprises);
        let mut e = enterprise(cfg.seed, e_idx);
        // Same-district pairs for the first half of the attempts only, so
        // that the pairs no same-district enterprise can form are reached too.
        let tries = if attempts <= max_attempts / 2 { 30 } else { 0 };
        for _ in 0..tries {
            if e.district == p.district {
                break;
            }
            e_idx = rng.random_range(0..cfg.enterprises);
            e = enterprise(cfg.seed, e_idx);
        }
        let reason = pick(&mut rng, &REASONS);
        if !seen.insert((i, e_idx)) {
            continue;
        }
        line.clear();
        line.extend_from_slice(&p.id[..p.id_len]);
        line.push(b',');
        line.extend_from_slice(&e.uscc);
        line.push(b',');
        line.extend_from_slice(reason.as_bytes());
        line.push(b'\n');
        out.write_all(&line)?;
    }
    out.flush()
}

/// Creates `dir` if needed and writes `enterprises.csv`, `inspectors.csv` and
/// `conflicts.csv` into it.
pub fn write_all(cfg: &SynthConfig, dir: &Path) -> io::Result<()> {
    check_enterprise_count(cfg)?;
    std::fs::create_dir_all(dir)?;
    write_enterprises(cfg, std::fs::File::create(dir.join("enterprises.csv"))?)?;
    write_inspectors(cfg, std::fs::File::create(dir.join("inspectors.csv"))?)?;
    write_conflicts(cfg, std::fs::File::create(dir.join("conflicts.csv"))?)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::uscc::validate;

    fn cfg(enterprises: u64, inspectors: u32, conflicts: u32, seed: u64) -> SynthConfig {
        SynthConfig { enterprises, inspectors, conflicts, seed }
    }

    fn text<F: Fn(&SynthConfig, &mut Vec<u8>) -> io::Result<()>>(c: &SynthConfig, f: F) -> String {
        let mut buf = Vec::new();
        f(c, &mut buf).unwrap();
        assert!(buf.starts_with(BOM), "starts with the UTF-8 BOM");
        String::from_utf8(buf[3..].to_vec()).unwrap()
    }

    fn enterprises(c: &SynthConfig) -> String {
        text(c, |c, b| write_enterprises(c, b))
    }
    fn inspectors(c: &SynthConfig) -> String {
        text(c, |c, b| write_inspectors(c, b))
    }
    fn conflicts(c: &SynthConfig) -> String {
        text(c, |c, b| write_conflicts(c, b))
    }

    #[test]
    fn default_config() {
        assert_eq!(SynthConfig::default(), cfg(5000, 120, 60, 2026));
    }

    #[test]
    fn header_lines() {
        let c = cfg(3, 3, 1, 1);
        assert_eq!(enterprises(&c).lines().next(), Some(ENTERPRISES_HEADER));
        assert_eq!(inspectors(&c).lines().next(), Some(INSPECTORS_HEADER));
        assert_eq!(conflicts(&c).lines().next(), Some(CONFLICTS_HEADER));
        assert!(ENTERPRISES_HEADER
            .starts_with("统一社会信用代码,企业名称,信用风险分类,区域代码,行业代码,登记状态,成立日期"));
        assert!(ENTERPRISES_HEADER.contains("列入经营异常名录"));
    }

    #[test]
    fn deterministic_and_seed_dependent() {
        let c = cfg(2000, 120, 60, 2026);
        assert_eq!(enterprises(&c), enterprises(&c));
        assert_eq!(inspectors(&c), inspectors(&c));
        assert_eq!(conflicts(&c), conflicts(&c));
        let d = SynthConfig { seed: 2027, ..c };
        assert_ne!(enterprises(&c), enterprises(&d));
        assert_ne!(inspectors(&c), inspectors(&d));
        assert_ne!(conflicts(&c), conflicts(&d));
    }

    #[test]
    fn smaller_registry_is_a_prefix() {
        let small = enterprises(&cfg(300, 1, 0, 9));
        let large = enterprises(&cfg(900, 1, 0, 9));
        assert!(large.starts_with(&small));
    }

    #[test]
    fn usccs_valid_unique_and_realistic() {
        let c = cfg(20_000, 1, 0, 2026);
        let all = enterprises(&c);
        let mut seen = HashSet::new();
        let mut old_style = 0;
        for line in all.lines().skip(1) {
            let cells: Vec<&str> = line.split(',').collect();
            assert_eq!(cells.len(), 9, "{line}");
            let code = cells[0];
            assert_eq!(validate(code), Ok(()), "{code}");
            assert!(seen.insert(code.to_string()), "duplicate {code}");
            assert_eq!(&code[..1], "9");
            assert!(matches!(&code[1..2], "1" | "2" | "3"), "{code}");
            assert_eq!(&code[2..8], cells[3], "region inside the code");
            assert!(DISTRICTS.iter().any(|d| d.code == cells[3]));
            if code.as_bytes()[8].is_ascii_digit() {
                old_style += 1;
                assert!(cells[6] < "2015-10-01", "old-style code registered {}", cells[6]);
            } else {
                assert_eq!(&code[8..10], "MA");
            }
            // The embedded organisation code never passes GB 11714.
            let body = &code.as_bytes()[8..16];
            const W: [u32; 8] = [3, 7, 9, 10, 5, 8, 4, 2];
            let sum: u32 = body.iter().zip(W).map(|(&b, w)| org_value(b) * w).sum();
            let c9 = match (11 - sum % 11) % 11 {
                10 => b'X',
                v => b'0' + v as u8,
            };
            assert_ne!(code.as_bytes()[16], c9, "{code}");
        }
        assert_eq!(seen.len(), 20_000);
        assert!(old_style > 1000, "some pre-2015 codes: {old_style}");
    }

    #[test]
    fn codes_stay_unique_at_high_indices() {
        // Rows far apart in a 10⁷ registry never share a code.
        let mut seen = HashSet::new();
        for idx in (0..10_000_000u64).step_by(997).chain(99_999_000..100_001_000) {
            let e = enterprise(7, idx);
            assert!(validate(std::str::from_utf8(&e.uscc).unwrap()).is_ok());
            assert!(seen.insert(e.uscc), "duplicate at {idx}");
        }
        assert!(write_enterprises(&cfg(MAX_ENTERPRISES + 1, 1, 0, 1), io::sink()).is_err());
    }

    #[test]
    fn enterprise_mix_is_realistic() {
        let all = enterprises(&cfg(20_000, 1, 0, 2026));
        let mut class = [0u32; 4];
        let mut status = [0u32; 4];
        let mut abnormal = 0;
        for line in all.lines().skip(1) {
            let cells: Vec<&str> = line.split(',').collect();
            class[CLASSES.iter().position(|&c| c == cells[2].as_bytes()[0]).unwrap()] += 1;
            status[STATUSES.iter().position(|&s| s == cells[5]).unwrap()] += 1;
            abnormal += (cells[7] == "是") as u32;
            assert!(cells[1].ends_with("有限公司") || !cells[1].contains("公司"), "{}", cells[1]);
            assert!(INDUSTRIES.iter().any(|i| i.code == cells[4]));
            assert!(("1995-01-01"..="2026-09-30").contains(&cells[6]));
        }
        let pct = |x: u32| x as f64 / 200.0;
        assert!((42.0..48.0).contains(&pct(class[0])), "{class:?}");
        assert!((37.0..43.0).contains(&pct(class[1])), "{class:?}");
        assert!((10.0..14.0).contains(&pct(class[2])), "{class:?}");
        assert!((2.0..4.0).contains(&pct(class[3])), "{class:?}");
        assert!((86.0..90.0).contains(&pct(status[0])), "{status:?}");
        assert!((4.0..6.5).contains(&pct(abnormal)), "{abnormal}");
    }

    #[test]
    fn inspectors_cover_departments_and_districts() {
        let all = inspectors(&SynthConfig::default());
        let rows: Vec<Vec<&str>> = all.lines().skip(1).map(|l| l.split(',').collect()).collect();
        assert_eq!(rows.len(), 120);
        let ids: HashSet<&str> = rows.iter().map(|r| r[0]).collect();
        assert_eq!(ids.len(), 120, "unique ids");
        let depts: HashSet<&str> = rows.iter().map(|r| r[2]).collect();
        assert!(depts.len() >= 4, "{depts:?}");
        for d in &DISTRICTS {
            assert!(
                rows.iter().any(|r| r[2] == "市场监督管理局" && r[3] == d.code && r[4] == "是" && r[7] == "inspector"),
                "no active market-supervision inspector in {}",
                d.name
            );
        }
        let experts = rows.iter().filter(|r| r[7] == "expert").count();
        assert!((3..=10).contains(&experts), "{experts}");
        assert!(rows.iter().any(|r| r[6].as_bytes() < b"2026-12-01".as_slice()), "some expired");
        for r in &rows {
            assert_eq!(r.len(), 8);
            assert!(r[0].len() >= 14 && r[0].bytes().all(|b| b.is_ascii_digit()));
            assert!(!r[5].is_empty());
        }
    }

    #[test]
    fn conflicts_reference_generated_rows() {
        let c = SynthConfig::default();
        let ents = enterprises(&c);
        let codes: HashSet<&str> = ents.lines().skip(1).map(|l| &l[..18]).collect();
        let insp = inspectors(&c);
        let ids: HashSet<&str> = insp.lines().skip(1).map(|l| l.split(',').next().unwrap()).collect();
        let conf = conflicts(&c);
        let mut pairs = HashSet::new();
        for line in conf.lines().skip(1) {
            let cells: Vec<&str> = line.split(',').collect();
            assert_eq!(cells.len(), 3);
            assert!(ids.contains(cells[0]), "{line}");
            assert!(codes.contains(cells[1]), "{line}");
            assert!(pairs.insert((cells[0], cells[1])), "duplicate pair {line}");
        }
        assert_eq!(pairs.len(), 60);
        // Fewer possible pairs than asked: all of them, then stop.
        let tiny = conflicts(&cfg(2, 2, 50, 1));
        assert_eq!(tiny.lines().count(), 1 + 4);
    }

    #[test]
    fn dates_are_written_as_spec_dates() {
        let mut b = Vec::new();
        push_date(&mut b, ymd(2026, 12, 5));
        assert_eq!(b, b"2026-12-05");
        let mut rng = row_rng(1, STREAM_INSPECTOR, 0);
        for _ in 0..1000 {
            let d = day_between(&mut rng, CERT_EXPIRED_FIRST, CERT_EXPIRED_LAST);
            assert!((CERT_EXPIRED_FIRST..=CERT_EXPIRED_LAST).contains(&d), "{d}");
        }
    }

    #[test]
    fn rows_do_not_depend_on_each_other() {
        // Row 5 alone equals row 5 of a file (each row has its own window of the stream).
        let file = enterprises(&cfg(6, 1, 0, 11));
        let mut line = Vec::new();
        let e = enterprise(11, 5);
        line.extend_from_slice(&e.uscc);
        assert!(file.lines().nth(6).unwrap().starts_with(std::str::from_utf8(&line).unwrap()));
        assert_ne!(enterprise(11, 5).uscc, enterprise(11, 4).uscc);
    }

    #[test]
    fn bundled_data_is_what_the_default_config_generates() {
        // data/README.md says the three registries are `fairdraw gen --seed 2026`.
        let data = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
        let c = SynthConfig::default();
        let read = |name: &str| std::fs::read_to_string(data.join(name)).unwrap()[3..].to_string();
        assert!(read("enterprises.csv") == enterprises(&c), "data/enterprises.csv is stale: regenerate it");
        assert!(read("inspectors.csv") == inspectors(&c), "data/inspectors.csv is stale: regenerate it");
        assert!(read("conflicts.csv") == conflicts(&c), "data/conflicts.csv is stale: regenerate it");
    }
}
