# -*- coding: utf-8 -*-
"""The `demo` corp: a small Chinese retail chain, kept as plain data.

Departments: (id, name, name_en, parentid, order). A larger order sorts first (WeCom rule).
Members: (userid, name, gender, position, [(department, is_leader), ...], direct_leader, status).
The first department of a member is its main department. Mobile, email, avatar, address and the
other derived fields are filled in by `directory.build_demo()` so that this file stays readable.
"""

CORP_NAME = "好邻居连锁超市"

DEPARTMENTS = [
    (1, CORP_NAME, "Haolinju Retail", 0, 100000000),
    (2, "华北区", "North China", 1, 99999000),
    (3, "华东区", "East China", 1, 99998000),
    (4, "华南区", "South China", 1, 99997000),
    (5, "财务部", "Finance", 1, 99996000),
    (6, "人力资源部", "Human Resources", 1, 99995000),
    (7, "信息技术部", "IT", 1, 99994000),
    (20, "采购部", "Purchasing", 1, 99993000),
    (8, "北京朝阳店", "Beijing Chaoyang", 2, 99999000),
    (9, "北京海淀店", "Beijing Haidian", 2, 99998000),
    (10, "天津和平店", "Tianjin Heping", 2, 99997000),
    (11, "上海静安店", "Shanghai Jing'an", 3, 99999000),
    (12, "上海浦东店", "Shanghai Pudong", 3, 99998000),
    (13, "杭州西湖店", "Hangzhou Xihu", 3, 99997000),
    (14, "南京新街口店", "Nanjing Xinjiekou", 3, 99996000),
    (15, "广州天河店", "Guangzhou Tianhe", 4, 99999000),
    (16, "深圳南山店", "Shenzhen Nanshan", 4, 99998000),
    (17, "深圳福田店", "Shenzhen Futian", 4, 99997000),
    (18, "系统开发组", "Development", 7, 99999000),
    (19, "运维组", "Operations", 7, 99998000),
]

# Where each department's people work (used for the `address` field).
ADDRESSES = {
    1: "上海市静安区南京西路1266号恒隆广场40楼",
    2: "北京市朝阳区建国路88号SOHO现代城A座",
    3: "上海市静安区南京西路1266号恒隆广场40楼",
    4: "广州市天河区天河路385号太古汇2座",
    8: "北京市朝阳区朝阳北路101号朝阳大悦城B1",
    9: "北京市海淀区中关村大街15号",
    10: "天津市和平区南京路189号",
    11: "上海市静安区愚园路68号",
    12: "上海市浦东新区世纪大道1192号",
    13: "杭州市西湖区文三路259号",
    14: "南京市秦淮区中山南路1号",
    15: "广州市天河区体育西路103号",
    16: "深圳市南山区科技园南区粤海街道",
    17: "深圳市福田区福华三路星河COCO Park",
}

ACTIVE, DISABLED, NOT_ACTIVATED = 1, 2, 4

MEMBERS = [
    # 总部
    ("zhangwei", "张伟", "1", "总经理", [(1, 1)], [], ACTIVE),
    ("liuyan", "刘艳", "2", "运营副总经理", [(1, 0)], ["zhangwei"], ACTIVE),
    # 华北区
    ("wangqiang", "王强", "1", "区域经理", [(2, 1), (8, 0)], ["liuyan"], ACTIVE),
    ("zhaomin", "赵敏", "2", "区域运营专员", [(2, 0)], ["wangqiang"], ACTIVE),
    ("lina", "李娜", "2", "店长", [(8, 1)], ["wangqiang"], ACTIVE),
    ("sunhao", "孙浩", "1", "店员", [(8, 0)], ["lina"], ACTIVE),
    ("zhoujie", "周杰", "1", "店员", [(8, 0)], ["lina"], ACTIVE),
    ("wangfang", "王芳", "2", "店长", [(9, 1)], ["wangqiang"], ACTIVE),
    ("wuyong", "吴勇", "1", "店员", [(9, 0)], ["wangfang"], ACTIVE),
    ("zhengshuang", "郑爽", "2", "店员", [(9, 0)], ["wangfang"], NOT_ACTIVATED),
    ("chenlei", "陈磊", "1", "店长", [(10, 1)], ["wangqiang"], ACTIVE),
    ("yangxue", "杨雪", "2", "店员", [(10, 0)], ["chenlei"], ACTIVE),
    ("huangtao", "黄涛", "1", "收银员", [(10, 0)], ["chenlei"], ACTIVE),
    # 华东区
    ("liujun", "刘军", "1", "区域经理", [(3, 1)], ["liuyan"], ACTIVE),
    ("xuli", "徐丽", "2", "区域运营专员", [(3, 0)], ["liujun"], ACTIVE),
    ("zhuhong", "朱红", "2", "店长", [(11, 1)], ["liujun"], ACTIVE),
    ("heqiang", "何强", "1", "店员", [(11, 0)], ["zhuhong"], ACTIVE),
    ("guojing", "郭静", "2", "店员", [(11, 0)], ["zhuhong"], ACTIVE),
    ("linfeng", "林峰", "1", "店长", [(12, 1)], ["liujun"], ACTIVE),
    ("luoxia", "罗霞", "2", "店员", [(12, 0)], ["linfeng"], ACTIVE),
    ("liangchen", "梁晨", "1", "店员", [(12, 0)], ["linfeng"], DISABLED),
    ("songjia", "宋佳", "2", "店长", [(13, 1)], ["liujun"], ACTIVE),
    ("tangming", "唐明", "1", "店员", [(13, 0)], ["songjia"], ACTIVE),
    ("hanmei", "韩梅", "2", "收银员", [(13, 0)], ["songjia"], ACTIVE),
    ("fengyu", "冯宇", "1", "店长", [(14, 1)], ["liujun"], ACTIVE),
    ("caoli", "曹丽", "2", "店员", [(14, 0)], ["fengyu"], ACTIVE),
    # 华南区
    ("dengchao", "邓超", "1", "区域经理", [(4, 1)], ["liuyan"], ACTIVE),
    ("xuyan", "许燕", "2", "区域运营专员", [(4, 0)], ["dengchao"], ACTIVE),
    ("zengzhi", "曾志", "1", "店长", [(15, 1)], ["dengchao"], ACTIVE),
    ("pengli", "彭丽", "2", "店员", [(15, 0)], ["zengzhi"], ACTIVE),
    ("wangfang01", "王芳", "2", "店员", [(15, 0)], ["zengzhi"], ACTIVE),
    ("lvbin", "吕斌", "1", "店长", [(16, 1)], ["dengchao"], ACTIVE),
    ("sujing", "苏静", "2", "店员", [(16, 0)], ["lvbin"], ACTIVE),
    ("jiangtao", "蒋涛", "1", "店员", [(16, 0)], ["lvbin"], ACTIVE),
    ("cairong", "蔡蓉", "2", "店长", [(17, 1)], ["dengchao"], ACTIVE),
    ("jiahui", "贾慧", "2", "店员", [(17, 0)], ["cairong"], ACTIVE),
    # 财务部 (duwei also covers 华东区 as its regional accountant)
    ("yuhaiyan", "余海燕", "2", "财务经理", [(5, 1)], ["zhangwei"], ACTIVE),
    ("duwei", "杜伟", "1", "财务专员", [(5, 0), (3, 0)], ["yuhaiyan"], ACTIVE),
    ("yeqing", "叶青", "2", "财务专员", [(5, 0)], ["yuhaiyan"], ACTIVE),
    ("chengxin", "程鑫", "1", "出纳", [(5, 0)], ["yuhaiyan"], ACTIVE),
    # 人力资源部
    ("weilan", "魏兰", "2", "人力资源经理", [(6, 1)], ["zhangwei"], ACTIVE),
    ("sulin", "苏琳", "2", "招聘专员", [(6, 0)], ["weilan"], ACTIVE),
    ("lujia", "卢佳", "2", "薪酬专员", [(6, 0)], ["weilan"], ACTIVE),
    # 信息技术部 (shiyong is also posted to the Jing'an store for on-site support)
    ("dingwei", "丁伟", "1", "IT总监", [(7, 1)], ["zhangwei"], ACTIVE),
    ("renjie", "任杰", "1", "开发组长", [(18, 1), (7, 0)], ["dingwei"], ACTIVE),
    ("yaobin", "姚斌", "1", "开发工程师", [(18, 0)], ["renjie"], ACTIVE),
    ("zhangwei01", "张伟", "1", "开发工程师", [(18, 0)], ["renjie"], ACTIVE),
    ("tianyu", "田雨", "2", "测试工程师", [(18, 0)], ["renjie"], ACTIVE),
    ("xiongfei", "熊飞", "1", "运维组长", [(19, 1)], ["dingwei"], ACTIVE),
    ("shiyong", "石勇", "1", "运维工程师", [(19, 0), (11, 0)], ["xiongfei"], ACTIVE),
    # 采购部
    ("huangli", "黄丽", "2", "采购经理", [(20, 1)], ["zhangwei"], ACTIVE),
    ("majun", "马军", "1", "采购专员", [(20, 0)], ["huangli"], ACTIVE),
    ("wangfang02", "王芳", "2", "采购专员", [(20, 0)], ["huangli"], ACTIVE),
]

# (tagid, tagname, users, parties)
TAGS = [
    (1, "店长", ["lina", "wangfang", "chenlei", "zhuhong", "linfeng", "songjia", "fengyu",
                 "zengzhi", "lvbin", "cairong"], []),
    (2, "华东门店", [], [11, 12, 13, 14]),
    (3, "IT值班", ["xiongfei", "shiyong"], [18]),
]

# Visible range of the narrow demo app (defaults.REGION_AGENT_ID): 华东区 plus the accountant yeqing.
REGION_APP_RANGE = {"parties": [3], "users": ["yeqing"], "tags": []}
