# One role for members: "manager" and "viewer" granted the same thing (reading the organization's reports), so
# every membership becomes "member". Going back makes everyone a "viewer", the old default.

from django.db import migrations, models


def to_member(apps, schema_editor):
    apps.get_model("accounts", "Membership").objects.exclude(role="member").update(role="member")


def to_viewer(apps, schema_editor):
    apps.get_model("accounts", "Membership").objects.filter(role="member").update(role="viewer")


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0002_membership_table"),
    ]

    operations = [
        migrations.RunPython(to_member, to_viewer),
        migrations.AlterField(
            model_name="membership",
            name="role",
            field=models.CharField(
                choices=[("member", "member")], default="member", max_length=10, verbose_name="role"
            ),
        ),
    ]
