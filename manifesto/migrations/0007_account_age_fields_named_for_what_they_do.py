from django.db import migrations, models


class Migration(migrations.Migration):
    """The two minimum account ages are named for what they do: one refuses votes, the
    other leaves them out of the scores. Renames keep every manifesto's values."""

    dependencies = [
        ("manifesto", "0006_ranking_thresholds_account_age_and_bursts"),
    ]

    operations = [
        migrations.RenameField(
            model_name="manifestopage",
            old_name="min_account_age_days",
            new_name="min_account_age_days_to_vote",
        ),
        migrations.RenameField(
            model_name="manifestopage",
            old_name="scoring_min_account_age_days",
            new_name="min_account_age_days_to_count_in_scores",
        ),
        migrations.AlterField(
            model_name="manifestopage",
            name="min_account_age_days_to_vote",
            field=models.PositiveSmallIntegerField(
                default=0,
                help_text="Refuses votes: accounts younger than this many days cannot vote at "
                "all (0: no minimum). To let new accounts vote but keep them out of the "
                "rankings, use the minimum account age to count in scores instead.",
            ),
        ),
        migrations.AlterField(
            model_name="manifestopage",
            name="min_account_age_days_to_count_in_scores",
            field=models.PositiveSmallIntegerField(
                default=7,
                help_text="Leaves votes unscored: votes cast by accounts younger than this many "
                "days are accepted and counted in the totals, but not used in the common "
                "ground and bridging scores (0: all are scored). This resists brigading by "
                "newly made accounts.",
            ),
        ),
    ]
