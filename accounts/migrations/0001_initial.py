# Membership moved here from orgs. The table is taken over as it is (state only), then renamed in 0002.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('orgs', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Membership',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('role', models.CharField(choices=[('viewer', 'viewer'), ('manager', 'manager')], default='viewer', max_length=10, verbose_name='role')),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created')),
                        ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='memberships', to=settings.AUTH_USER_MODEL, verbose_name='user')),
                        ('organization', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='memberships', to='orgs.organization', verbose_name='organization')),
                    ],
                    options={
                        'verbose_name': 'member',
                        'verbose_name_plural': 'members',
                        'db_table': 'orgs_membership',
                        'constraints': [models.UniqueConstraint(fields=('user', 'organization'), name='membership_unique_user_org')],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
