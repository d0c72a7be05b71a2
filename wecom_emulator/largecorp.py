# -*- coding: utf-8 -*-
"""Deterministic large corps ("large:USERS[:DEPARTMENTS[:SEED]]") for scale tests and benches.

Same spec -> same corp, byte for byte: everything comes from one random.Random(seed), and no
clock or hash randomisation is involved. 50,000 users and 5,000 departments build in about a
second, because members are built as plain dicts in one pass.
"""
import random

from .directory import Directory, ROOT_ID, avatar_url, qr_code_url

SURNAMES = [("王", "wang"), ("李", "li"), ("张", "zhang"), ("刘", "liu"), ("陈", "chen"),
            ("杨", "yang"), ("黄", "huang"), ("赵", "zhao"), ("吴", "wu"), ("周", "zhou"),
            ("徐", "xu"), ("孙", "sun"), ("马", "ma"), ("朱", "zhu"), ("胡", "hu"),
            ("郭", "guo"), ("何", "he"), ("林", "lin"), ("罗", "luo"), ("高", "gao"),
            ("郑", "zheng"), ("梁", "liang"), ("谢", "xie"), ("宋", "song"), ("唐", "tang"),
            ("许", "xu"), ("韩", "han"), ("冯", "feng"), ("邓", "deng"), ("曹", "cao")]
GIVEN = [("伟", "wei"), ("芳", "fang"), ("娜", "na"), ("敏", "min"), ("静", "jing"),
         ("丽", "li"), ("强", "qiang"), ("磊", "lei"), ("军", "jun"), ("洋", "yang"),
         ("勇", "yong"), ("艳", "yan"), ("杰", "jie"), ("涛", "tao"), ("明", "ming"),
         ("超", "chao"), ("秀英", "xiuying"), ("霞", "xia"), ("平", "ping"), ("刚", "gang"),
         ("桂英", "guiying"), ("晨", "chen"), ("浩", "hao"), ("雪", "xue"), ("宇", "yu"),
         ("佳", "jia"), ("欣怡", "xinyi"), ("子涵", "zihan"), ("思远", "siyuan"), ("建华", "jianhua")]
REGIONS = ["华北区", "华东区", "华南区", "华中区", "西南区", "西北区", "东北区", "港澳区"]
CITIES = ["北京", "天津", "上海", "杭州", "南京", "苏州", "广州", "深圳", "武汉", "成都",
          "重庆", "西安", "沈阳", "长沙", "郑州", "青岛", "厦门", "合肥", "昆明", "大连"]
KINDS = ["店", "仓", "部", "组", "中心"]
POSITIONS = ["店员", "店员", "店员", "收银员", "理货员", "仓管员", "店长助理", "区域专员"]
MAX_GEN_DEPTH = 6


def parse_spec(spec):
    parts = spec.split(":")
    try:
        users = int(parts[1])
        depts = int(parts[2]) if len(parts) > 2 and parts[2] else max(2, min(30000, users // 10))
        seed = int(parts[3]) if len(parts) > 3 else 1
    except (IndexError, ValueError):
        raise ValueError("large directory spec is large:USERS[:DEPARTMENTS[:SEED]], got %r" % spec)
    if users < 0 or depts < 1:
        raise ValueError("large directory needs USERS >= 0 and DEPARTMENTS >= 1")
    return users, depts, seed


def build_large(n_users, n_depts, seed=1, lock=None):
    rng = random.Random(seed)
    depts = [{"id": ROOT_ID, "name": "好邻居集团", "name_en": "Haolinju Group", "parentid": 0,
              "order": 100000000}]
    depth = {ROOT_ID: 1}
    eligible = [ROOT_ID]   # departments that may still get children (depth limit)
    for i in range(2, n_depts + 1):
        if i - 2 < len(REGIONS):
            parent, name = ROOT_ID, REGIONS[i - 2]
        else:
            # Bias towards recent departments so the tree gets some depth.
            lo = max(0, len(eligible) - 200) if rng.random() < 0.7 else 0
            parent = eligible[rng.randrange(lo, len(eligible))]
            name = "%s%s%04d" % (rng.choice(CITIES), rng.choice(KINDS), i)
        depts.append({"id": i, "name": name, "name_en": "", "parentid": parent,
                      "order": 100000000 - i})
        depth[i] = depth[parent] + 1
        if depth[i] < MAX_GEN_DEPTH:
            eligible.append(i)

    dept_ids = [d["id"] for d in depts if d["id"] != ROOT_ID] or [ROOT_ID]
    has_leader = set()
    users = []
    for n in range(n_users):
        sur, sur_py = SURNAMES[rng.randrange(len(SURNAMES))]
        giv, giv_py = GIVEN[rng.randrange(len(GIVEN))]
        userid = "%s%s%05d" % (sur_py, giv_py, n)
        main = dept_ids[rng.randrange(len(dept_ids))]
        member_of = [main]
        if rng.random() < 0.08 and len(dept_ids) > 1:
            second = dept_ids[rng.randrange(len(dept_ids))]
            if second != main:
                member_of.append(second)
        leader_flags = []
        for d in member_of:
            lead = 1 if d not in has_leader else 0
            has_leader.add(d)
            leader_flags.append(lead)
        roll = rng.random()
        status = 2 if roll < 0.02 else (4 if roll < 0.05 else 1)
        avatar = avatar_url(userid)
        users.append({
            "userid": userid, "name": sur + giv, "department": member_of,
            "order": [100 if f else 0 for f in leader_flags],
            "position": "店长" if leader_flags[0] else POSITIONS[rng.randrange(len(POSITIONS))],
            "mobile": "1%d" % (3800000000 + n), "gender": "1" if rng.random() < 0.5 else "2",
            "email": "%s@haolinju.com.cn" % userid, "biz_mail": "%s@haolinju.wecom.work" % userid,
            "is_leader_in_dept": leader_flags, "direct_leader": [], "avatar": avatar,
            "thumb_avatar": avatar[:-2] + "/100", "telephone": "", "alias": "", "address": "",
            "main_department": main, "extattr": {"attrs": []}, "status": status,
            "qr_code": qr_code_url(userid), "external_position": "",
            "external_profile": {"external_corp_name": "", "external_attr": []},
        })
    tags = [
        {"tagid": 1, "tagname": "店长",
         "users": [u["userid"] for u in users if u["is_leader_in_dept"][0]][:1000], "parties": []},
        {"tagid": 2, "tagname": "大区", "users": [],
         "parties": [d["id"] for d in depts if d["parentid"] == ROOT_ID][:100]},
    ]
    return Directory(depts, users, tags, corp_name="好邻居集团", lock=lock)
