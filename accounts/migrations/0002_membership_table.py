# The members' table takes the accounts app's name; rows, ids and constraints stay as they are.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0001_initial'),
        ('orgs', '0002_membership_to_accounts'),
    ]

    operations = [
        migrations.AlterModelTable(name='membership', table=None),
    ]
