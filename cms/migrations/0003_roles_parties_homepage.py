"""Roles, the starting list of parties, and the home page as the site root."""

from django.db import migrations

PARTIES = [
    ("Labour", "Labour", "labour", "#c8102e", True),
    ("Green", "Green", "green", "#2e7d32", True),
    ("Liberal Democrat", "Lib Dem", "liberal-democrat", "#b35900", True),
    ("SNP", "SNP", "snp", "#6b5b00", True),
    ("Plaid Cymru", "Plaid", "plaid-cymru", "#005b45", True),
    ("Other party", "Other", "other", "#555555", False),
    ("No party", "None", "none", "#3d3d5c", False),
]

# Page permissions on the tree root: Editors write and publish; Moderators review
# submissions through workflows and viewsets, not by editing pages.
EDITOR_PAGE_PERMISSIONS = ["add_page", "change_page", "publish_page", "lock_page", "unlock_page"]


def create_roles_and_parties(apps, schema_editor):
    Group = apps.get_model("auth.Group")
    Party = apps.get_model("cms.Party")
    Page = apps.get_model("wagtailcore.Page")
    Permission = apps.get_model("auth.Permission")
    GroupPagePermission = apps.get_model("wagtailcore.GroupPagePermission")
    GroupCollectionPermission = apps.get_model("wagtailcore.GroupCollectionPermission")

    editors, _ = Group.objects.get_or_create(name="Editors")
    moderators, _ = Group.objects.get_or_create(name="Moderators")
    Group.objects.get_or_create(name="Supporters")

    root = Page.objects.filter(depth=1).first()
    GroupPagePermission.objects.filter(group=moderators).delete()
    for codename in EDITOR_PAGE_PERMISSIONS:
        permission = Permission.objects.filter(
            content_type__app_label="wagtailcore", codename=codename
        ).first()
        if permission and root:
            GroupPagePermission.objects.get_or_create(
                group=editors, page=root, permission=permission
            )
    # Moderators keep Wagtail's image/document collection permissions only for choosing.
    GroupCollectionPermission.objects.filter(group=moderators).exclude(
        permission__codename__startswith="choose_"
    ).delete()

    for sort_order, (name, short_name, slug, colour, is_party) in enumerate(PARTIES):
        Party.objects.get_or_create(
            slug=slug,
            defaults={
                "name": name,
                "short_name": short_name,
                "colour": colour,
                "is_party": is_party,
                "sort_order": sort_order,
            },
        )


def create_homepage(apps, schema_editor):
    ContentType = apps.get_model("contenttypes.ContentType")
    Page = apps.get_model("wagtailcore.Page")
    Site = apps.get_model("wagtailcore.Site")
    HomePage = apps.get_model("cms.HomePage")
    Locale = apps.get_model("wagtailcore.Locale")

    Page.objects.filter(content_type__app_label="wagtailcore", content_type__model="page", depth=2).delete()
    homepage_type, _ = ContentType.objects.get_or_create(model="homepage", app_label="cms")
    if HomePage.objects.exists():
        return
    home = HomePage.objects.create(
        title="Alliance Hub",
        draft_title="Alliance Hub",
        slug="home",
        content_type=homepage_type,
        path="00010001",
        depth=2,
        numchild=0,
        url_path="/home/",
        hero_title="Together we are stronger",
        hero_text="A hub for people of every progressive party, and of none, working together.",
        live=True,
        locale=Locale.objects.order_by("pk").first(),
    )
    root = Page.objects.get(depth=1)
    root.numchild = Page.objects.filter(depth=2).count()
    root.save(update_fields=["numchild"])
    Site.objects.all().delete()
    Site.objects.create(hostname="localhost", port=80, root_page=home, is_default_site=True, site_name="Alliance Hub")


class Migration(migrations.Migration):
    dependencies = [
        ("cms", "0002_pages_and_settings"),
        ("wagtailcore", "0098_apitoken"),
        ("wagtailimages", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        # Deleting Wagtail's welcome page cascades into these apps' tables.
        ("wagtailsearch", "0010_add_text_fields"),
        ("wagtailredirects", "0008_add_verbose_name_plural"),
        ("wagtailforms", "0005_alter_formsubmission_form_data"),
        ("wagtailsearchpromotions", "0008_query_verbose_name"),
        ("wagtailadmin", "0006_formstate"),
    ]

    operations = [
        migrations.RunPython(create_roles_and_parties, migrations.RunPython.noop),
        migrations.RunPython(create_homepage, migrations.RunPython.noop),
    ]
