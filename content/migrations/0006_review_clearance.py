"""Review clearances, the emergency publisher field, and the science-review tasks as ReviewTask
(a proxy of GroupApprovalTask that refuses approvals breaking the separation of duties)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


REVIEW_TASKS = ["编辑初审", "专家科学性审核"]


def switch_task_class(model_name):
    def switch(apps, schema_editor):
        ContentType = apps.get_model("contenttypes", "ContentType")
        Task = apps.get_model("wagtailcore", "Task")
        app_label = "content" if model_name == "reviewtask" else "wagtailcore"
        task_type, _ = ContentType.objects.get_or_create(app_label=app_label, model=model_name)
        Task.objects.filter(name__in=REVIEW_TASKS).update(content_type=task_type)

    return switch


class Migration(migrations.Migration):

    dependencies = [
        ('content', '0005_content_generation'),
        ('wagtailcore', '0098_apitoken'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='ReviewTask',
            fields=[
            ],
            options={
                'verbose_name': '科学性审核步骤',
                'verbose_name_plural': '科学性审核步骤',
                'proxy': True,
                'indexes': [],
                'constraints': [],
            },
            bases=('wagtailcore.groupapprovaltask',),
        ),
        migrations.AddField(
            model_name='articlepage',
            name='emergency_published_by',
            field=models.CharField(blank=True, max_length=60, verbose_name='紧急发布人（未经审核）'),
        ),
        migrations.AddField(
            model_name='comicpage',
            name='emergency_published_by',
            field=models.CharField(blank=True, max_length=60, verbose_name='紧急发布人（未经审核）'),
        ),
        migrations.AddField(
            model_name='emergencyguidepage',
            name='emergency_published_by',
            field=models.CharField(blank=True, max_length=60, verbose_name='紧急发布人（未经审核）'),
        ),
        migrations.AddField(
            model_name='videopage',
            name='emergency_published_by',
            field=models.CharField(blank=True, max_length=60, verbose_name='紧急发布人（未经审核）'),
        ),
        migrations.CreateModel(
            name='ReviewClearance',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('route', models.CharField(choices=[('workflow', '科学性审核'), ('import', '可信导入'), ('emergency', '紧急发布（未经审核）')], max_length=20, verbose_name='途径')),
                ('name', models.CharField(max_length=60, verbose_name='负责人')),
                ('organisation', models.CharField(blank=True, max_length=120, verbose_name='单位')),
                ('reason', models.TextField(blank=True, verbose_name='理由')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='时间')),
                ('revision', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='review_clearance', to='wagtailcore.revision', verbose_name='版本')),
                ('user', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='用户')),
            ],
            options={
                'verbose_name': '发布许可',
                'verbose_name_plural': '发布许可',
                'permissions': [('emergency_publish', '可紧急发布未经科学性审核的内容')],
            },
        ),
        migrations.RunPython(
            switch_task_class("reviewtask"), switch_task_class("groupapprovaltask")
        ),
    ]
