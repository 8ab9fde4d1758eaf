# Membership now lives in accounts (accounts 0001 took over its table); only the state changes here.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('orgs', '0001_initial'),
        ('accounts', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name='Membership')],
            database_operations=[],
        ),
    ]
