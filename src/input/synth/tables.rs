//! The name, word and weight tables the generated rows are assembled from.

use std::sync::LazyLock;

use rand::distr::weighted::WeightedIndex;

/// The weight tables below as distributions, built once.
macro_rules! distribution {
    ($name:ident, $weights:expr) => {
        pub(super) static $name: LazyLock<WeightedIndex<u32>> =
            LazyLock::new(|| WeightedIndex::new($weights).expect("positive weights"));
    };
}
distribution!(DISTRICT_DIST, DISTRICT_WEIGHTS);
distribution!(INDUSTRY_DIST, INDUSTRY_WEIGHTS);
distribution!(CLASS_DIST, CLASS_WEIGHTS);
distribution!(STATUS_DIST, STATUS_WEIGHTS);

pub(super) struct District {
    pub(super) code: &'static str,
    pub(super) name: &'static str,
    pub(super) short: &'static str,
    pub(super) weight: u32,
}

/// The districts of the city (weights ≈ share of market entities).
pub(super) const DISTRICTS: [District; 13] = [
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

pub(super) const DISTRICT_WEIGHTS: [u32; 13] = {
    let mut w = [0u32; 13];
    let mut i = 0;
    while i < 13 {
        w[i] = DISTRICTS[i].weight;
        i += 1;
    }
    w
};

/// A GB/T 4754-2017 class with the words used to name its businesses.
pub(super) struct Industry {
    pub(super) code: &'static str,
    pub(super) weight: u32,
    /// `杭州 + 字号 + word + 有限公司`.
    pub(super) company: &'static [&'static str],
    /// Individual businesses (个体工商户): `区 + 字号 + word`.
    pub(super) shop: &'static [&'static str],
    /// Percentage of individual businesses.
    pub(super) shop_pct: u32,
    /// Farmers' cooperative word (农民专业合作社), or "".
    pub(super) coop: &'static str,
}

pub(super) const fn ind(
    code: &'static str,
    weight: u32,
    company: &'static [&'static str],
    shop: &'static [&'static str],
    shop_pct: u32,
) -> Industry {
    Industry { code, weight, company, shop, shop_pct, coop: "" }
}

pub(super) const INDUSTRIES: [Industry; 32] = [
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

pub(super) const INDUSTRY_WEIGHTS: [u32; 32] = {
    let mut w = [0u32; 32];
    let mut i = 0;
    while i < 32 {
        w[i] = INDUSTRIES[i].weight;
        i += 1;
    }
    w
};

pub(super) const BRAND_FIRST: [&str; 60] = [
    "华", "兴", "盛", "鑫", "瑞", "源", "恒", "宏", "达", "嘉", "金", "新", "天", "永", "泰", "丰", "德", "福", "祥",
    "和", "合", "安", "康", "佳", "美", "宝", "联", "信", "诚", "正", "益", "乐", "众", "博", "创", "明", "晨", "东",
    "远", "方", "智", "锦", "绿", "湖", "江", "山", "海", "云", "春", "阳", "光", "星", "旭", "润", "汇", "百", "君",
    "悦", "禾", "如",
];
pub(super) const BRAND_SECOND: [&str; 60] = [
    "泰", "达", "源", "丰", "业", "昌", "隆", "辉", "通", "发", "利", "邦", "瑞", "华", "盛", "成", "缘", "阁", "轩",
    "品", "味", "鲜", "香", "甜", "悦", "然", "禾", "田", "川", "林", "家", "园", "居", "堂", "苑", "庭", "岚", "峰",
    "腾", "越", "航", "拓", "凯", "捷", "锐", "晟", "昊", "铭", "祥", "福", "顺", "荣", "泽", "宇", "意", "美", "城",
    "坊", "记", "新",
];
pub(super) const SURNAMES: [&str; 50] = [
    "王", "陈", "张", "李", "刘", "杨", "黄", "吴", "徐", "朱", "周", "胡", "孙", "沈", "钱", "金", "蒋", "方", "叶",
    "俞", "姚", "汪", "郑", "何", "林", "马", "高", "邵", "潘", "许", "章", "楼", "应", "陆", "丁", "傅", "吕", "施",
    "赵", "孔", "童", "袁", "冯", "褚", "韩", "毛", "程", "夏", "严", "范",
];
pub(super) const GIVEN: [&str; 60] = [
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀", "霞",
    "平", "刚", "英", "华", "建", "国", "志", "文", "斌", "浩", "宇", "婷", "雪", "琳", "晨", "颖", "倩", "佳", "欣",
    "然", "晓", "俊", "鹏", "辉", "峰", "凯", "蕾", "瑶", "怡", "昊", "睿", "航", "哲", "逸", "珊", "萍", "红", "燕",
    "波", "健", "亮",
];
pub(super) const MOBILE_PREFIXES: [&str; 24] = [
    "130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "153", "155", "156", "157",
    "158", "159", "177", "180", "186", "187", "189", "199",
];

pub(super) const CLASSES: [u8; 4] = *b"ABCD";
/// ≈ A 45 %, B 40 %, C 12 %, D 3 %.
pub(super) const CLASS_WEIGHTS: [u32; 4] = [450, 400, 120, 30];
/// Per-mille chance of 列入经营异常名录 by class (≈ 5 % overall).
pub(super) const ABNORMAL_PER_MILLE: [u32; 4] = [10, 40, 150, 400];
pub(super) const STATUSES: [&str; 4] = ["存续", "歇业", "吊销", "注销"];
/// ≈ 88 % 存续, 4 % 歇业, 3 % 吊销, 5 % 注销.
pub(super) const STATUS_WEIGHTS: [u32; 4] = [880, 40, 30, 50];
