
import django.contrib.postgres.search
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('ideas', '0001_initial'),
    ]

    operations = [
        migrations.CreateModel(
            name='IdeaDocument',
            fields=[
                ('idea', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='search_document', serialize=False, to='ideas.idea')),
                ('title', models.TextField()),
                ('tags', models.TextField(blank=True)),
                ('body', models.TextField(blank=True)),
                ('comments', models.TextField(blank=True)),
                ('fingerprint', models.CharField(max_length=64)),
                ('indexed_at', models.DateTimeField()),
                ('search_vector', django.contrib.postgres.search.SearchVectorField(editable=False, null=True)),
            ],
            options={
                'verbose_name': 'idea search document',
            },
        ),
    ]
