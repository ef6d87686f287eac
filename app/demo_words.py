"""The demo network's vocabulary: sizes, names, places, crops, topics and films to draw from."""

from __future__ import annotations

SEED = 20261201
CHUNK = 5000  # rows per executemany
# The seed's network: sites of each kind in the whole city, the named demo's included.
SEED_SITES = {"playback_point": 169, "center_household": 1265, "demo_household": 120,
              "local_talent": 40, "tech_association": 16}
CODE_FORMATS = {"playback_point": "P-{:03d}", "center_household": "H-{:04d}",
                "demo_household": "D-{:03d}", "local_talent": "T-{:03d}",
                "tech_association": "A-{:03d}"}
TOWNSHIPS = ["杨柳镇", "石门乡", "新华乡", "红旗镇", "龙泉镇", "白沙乡", "青山乡", "桃源镇"]
NAMED_TOWNSHIPS = ["城关镇", "河口乡"]
NAMED_VILLAGES = {"东村", "西村", "柳树湾村", "石桥村"}

SURNAMES = {
    "王": 71, "李": 70, "张": 66, "刘": 54, "陈": 45, "杨": 31, "黄": 22, "赵": 20, "吴": 19,
    "周": 19, "徐": 13, "孙": 12, "马": 12, "朱": 12, "胡": 11, "郭": 11, "何": 10, "高": 10,
    "林": 10, "罗": 9, "郑": 9, "梁": 9, "谢": 8, "宋": 7, "唐": 7, "许": 7, "韩": 6, "冯": 6,
    "邓": 6, "曹": 6, "彭": 6, "曾": 5, "肖": 5, "田": 5, "董": 5, "袁": 5, "潘": 5, "于": 5,
    "蒋": 5, "蔡": 5, "余": 5, "杜": 4, "叶": 4, "程": 4, "苏": 4, "魏": 4, "吕": 4, "丁": 4,
    "任": 4, "沈": 4, "姚": 3, "卢": 3, "姜": 3, "崔": 3, "钟": 3, "谭": 3, "陆": 3, "汪": 3,
    "范": 3, "金": 3, "石": 3, "廖": 3, "贾": 3, "夏": 3, "韦": 3, "付": 3, "方": 3, "白": 3,
    "单": 1, "解": 1, "欧阳": 1, "司马": 1,
}
GIVEN = ("伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华建国文玉珍红海志德福春梅金凤"
         "小大三山林云燕宏波辉鹏斌宇浩凯晨欣怡佳婷雪琳晶玲萍荣成永忠新生根水有财宝贵喜庆"
         "树松长顺富兴昌亮光东学民利秋菊莲翠花淑贤慧丹阳俊峰江河安定家保卫振彩")
VILLAGE_PLACES = ("杏花 桃园 梨树 柳林 松树 槐树 枣林 石门 石岭 青龙 白马 黄土 红岩 清泉 龙泉 凤凰 "
                  "双河 三岔 五里 十里 新民 前进 胜利 红星 光明 团结 和平 幸福 富民 大坪 小河 "
                  "上坝 下坝 中坪 后山 前山 南沟 北沟 东岭 西岭 长岗 马鞍 牛角 桥头 沙坝 竹园").split()
VILLAGE_ENDS = "庄 沟 坪 湾 寨 岭 洼 河 坡 营 堡 店 院".split()

# Titles: the parts their names are made of, with topics and audience.
FRUITS = "苹果 梨 桃 葡萄 核桃 板栗 柑橘 猕猴桃 樱桃 大枣 柿子 石榴".split()
FIELD_CROPS = "玉米 小麦 马铃薯 大豆 油菜 花生 红薯 谷子 高粱 荞麦 水稻".split()
VEGETABLES = "辣椒 番茄 黄瓜 大白菜 茄子 大蒜 生姜 韭菜 大棚蔬菜".split()
SPECIALTIES = "香菇 木耳 平菇 天麻 党参 金银花 黄芪 茶叶 魔芋".split()
ANIMALS = "生猪 肉牛 奶牛 肉羊 山羊 蛋鸡 肉鸡 肉鸭 鹅 肉兔 蜜蜂 淡水鱼 稻田小龙虾 黄鳝".split()
PLANTING = [("高产栽培技术", ["planting"]), ("科学施肥", ["planting"]),
            ("病虫害防治", ["pest_control", "planting"]), ("贮藏保鲜", ["processing"]),
            ("标准化种植", ["planting"])]
FRUIT_ONLY = [("整形修剪", ["planting"]), ("嫁接与育苗", ["planting"])]
BREEDING = [("科学养殖", ["breeding"]), ("疫病防治", ["breeding", "pest_control"]),
            ("饲料配制", ["breeding"]), ("圈舍建设与管理", ["breeding"]),
            ("繁育技术", ["breeding"])]
PROCESSING = "腊肉 豆腐 粉条 红薯粉 果脯 辣椒酱 豆瓣酱 米酒 核桃油 菜籽油 茶叶 香菇酱".split()
LOCAL_THEMES = [("的变迁", ["exemplars"]), ("特色产业巡礼", ["exemplars"]),
                ("致富带头人", ["exemplars"]), ("红色故事", ["party_spirit", "exemplars"]),
                ("乡风文明建设", ["policy_law"]), ("美丽乡村", ["exemplars"]),
                ("非遗传承人", ["exemplars"])]
LAW_CASES = ("婚姻家庭纠纷 土地承包纠纷 宅基地纠纷 邻里纠纷 赡养老人 电信诈骗 非法集资 交通安全 "
             "森林防火 禁毒宣传 未成年人保护 劳务合同 农资打假 安全生产 环境保护 遗产继承 民间借贷 "
             "消费维权 反家庭暴力 扫黑除恶").split()
OWN_FILMS = ["基石", "初心", "山村党支部", "扶贫路上", "田野上的党旗", "一名老党员的故事",
             "乡村振兴看今朝", "红土地上的誓言", "第一书记", "村里的年轻人", "脱贫攻坚纪实",
             "一心为民", "党群连心桥", "绿水青山", "大山里的守望", "丰收之歌", "乡亲们的贴心人",
             "不忘来时路"]
PARTY_LESSONS = ["党章学习", "党的创新理论", "廉洁自律", "群众路线", "基层党建", "党史故事（一）",
                 "党史故事（二）", "党史故事（三）", "新时代农村党员", "乡村振兴战略"]

PARTY_TOPICS = ["党员集中学习日", "主题党日", "三会一课", "党员冬训", "党史学习"]
TECH_TOPICS = {"planting": "种植技术培训", "breeding": "养殖技术培训", "processing": "农产品加工讲座",
               "pest_control": "病虫害防治讲座"}
POLICY_TOPICS = ["以案说法", "政策宣讲", "乡风文明讲座", "法律进村"]
NUMERALS = "二三四五六七八九十"  # the second to tenth township of a name, for --scale above 1
