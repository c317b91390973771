from django.db import migrations

AUDIENCES = [
    ("youth", "青少年", "中小学生和青年，培养科学兴趣与科学精神。"),
    ("farmers", "农牧民", "农村牧区群众，农业技术、生态与健康知识。"),
    ("workers", "产业工人", "企业职工，安全生产、职业健康和技能提升。"),
    ("elderly", "老年人", "老年朋友，健康生活、数字技能与防范诈骗。"),
    ("officials", "领导干部和公务员", "提升科学决策和科学管理能力。"),
    ("public", "社会公众", "面向全体市民的科普内容。"),
]

CITY = ("150100", "呼和浩特市")
DISTRICTS = [
    ("150102", "新城区"),
    ("150103", "回民区"),
    ("150104", "玉泉区"),
    ("150105", "赛罕区"),
    ("150121", "土默特左旗"),
    ("150122", "托克托县"),
    ("150123", "和林格尔县"),
    ("150124", "清水河县"),
    ("150125", "武川县"),
]

TOPICS = [
    "科学精神",
    "健康生活",
    "生态环境",
    "节约能源",
    "绿色生活",
    "农业技术",
    "安全生产",
    "职业病防治",
    "数字技能",
    "防范电信诈骗",
    "网络谣言辨识",
    "碳达峰碳中和",
    "前沿科技",
    "应急避险",
    "科学家精神",
    "传统文化中的科学",
]

STEP = 4  # treebeard MP_Node default steplen


def seed(apps, schema_editor):
    Audience = apps.get_model("content", "Audience")
    Region = apps.get_model("content", "Region")
    Tag = apps.get_model("taggit", "Tag")

    for order, (slug, name, description) in enumerate(AUDIENCES):
        Audience.objects.update_or_create(
            slug=slug, defaults={"name": name, "description": description, "sort_order": order}
        )

    # Historical models have no treebeard API, so the materialised paths are written directly:
    # the city is the first root, its districts its children in code order.
    if not Region.objects.filter(code=CITY[0]).exists():
        Region.objects.create(
            code=CITY[0], name=CITY[1], path="0001", depth=1, numchild=len(DISTRICTS)
        )
        for position, (code, name) in enumerate(sorted(DISTRICTS), start=1):
            Region.objects.create(
                code=code, name=name, path="0001" + str(position).zfill(STEP), depth=2, numchild=0
            )

    for name in TOPICS:
        Tag.objects.get_or_create(name=name, defaults={"slug": name})


def unseed(apps, schema_editor):
    apps.get_model("content", "Audience").objects.filter(
        slug__in=[slug for slug, _, _ in AUDIENCES]
    ).delete()
    apps.get_model("content", "Region").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("content", "0001_initial"), ("taggit", "0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx")]

    operations = [migrations.RunPython(seed, unseed)]
