import json as json_module

from django.core.management.base import BaseCommand, CommandError

from ...channels import ChannelError, PostFailed, add_channel, send_test_post
from ...models import Channel, ChannelPost, Frequency
from ...secrets import SecretUnreadable


class Command(BaseCommand):
    help = (
        "Manage team chat channels that get the daily or weekly list: add, ls, remove, test. "
        "URLs are apprise URLs (Slack, Discord, Matrix, Mattermost, Teams, Telegram, ntfy) or "
        "webhook+https://host/path?secret=S for a signed JSON webhook; they are stored "
        "encrypted and shown masked."
    )

    def add_arguments(self, parser):
        commands = parser.add_subparsers(dest="action", required=True)
        add = commands.add_parser("add", help="add a channel (URL first, then --name)")
        add.add_argument("url")
        add.add_argument("--name", required=True)
        add.add_argument("--period", choices=Frequency.values, default=Frequency.DAILY)
        add.add_argument("--topic", action="append", default=[])
        add.add_argument("--category", action="append", default=[])
        add.add_argument("--min-upvotes", type=int, default=0, metavar="K")
        listing = commands.add_parser("ls", help="list channels, their state and last post")
        listing.add_argument("--json", action="store_true")
        remove = commands.add_parser("remove", help="delete a channel and its post history")
        remove.add_argument("name")
        test = commands.add_parser("test", help="send a sample post; resumes a paused channel")
        test.add_argument("name")

    def handle(self, *args, action, **options):
        try:
            getattr(self, f"do_{action}")(**options)
        except (ChannelError, PostFailed, SecretUnreadable) as error:
            raise CommandError(str(error)) from error

    def do_add(self, url, name, period, topic, category, min_upvotes, **_):
        channel = add_channel(
            url,
            name,
            frequency=period,
            topics=topic,
            categories=category,
            min_upvotes=min_upvotes,
        )
        self.stdout.write(f"{channel.name}: {channel.service} {channel.url_masked}, {period}")

    def do_ls(self, json: bool = False, **_):
        rows = []
        for channel in Channel.objects.order_by("name"):
            last = channel.posts.exclude(state=ChannelPost.State.PENDING).order_by("-pk").first()
            rows.append(
                {
                    "name": channel.name,
                    "service": channel.service,
                    "url": channel.url_masked,
                    "period": channel.frequency,
                    "topics": channel.topics,
                    "categories": channel.categories,
                    "min_upvotes": channel.min_upvotes,
                    "state": channel.state,
                    "failures": channel.failures,
                    "next_retry": channel.next_retry_at.isoformat()
                    if channel.next_retry_at
                    else None,
                    "last_error": channel.last_error,
                    "last_post": f"{last.period} {last.state}" if last else None,
                    "pending": channel.posts.filter(state=ChannelPost.State.PENDING).count(),
                    "interrupted": channel.posts.filter(
                        state=ChannelPost.State.INTERRUPTED
                    ).count(),
                }
            )
        if json:
            self.stdout.write(json_module.dumps(rows))
            return
        for row in rows:
            filters = "; ".join(row["topics"] + row["categories"])
            if row["min_upvotes"]:
                filters = f"{filters}; ≥{row['min_upvotes']} upvotes".lstrip("; ")
            line = (
                f"{row['name']:<20} {row['service']:<10} {row['period']:<7} {row['state']:<8} "
                f"{row['url']:<32} last: {row['last_post'] or 'none'}"
            )
            if filters:
                line += f" [{filters}]"
            self.stdout.write(line)
            if row["state"] != Channel.State.OK:
                retry = f", next try {row['next_retry']}" if row["next_retry"] else ""
                self.stdout.write(f"    {row['failures']} failures{retry}: {row['last_error']}")
            if row["pending"] or row["interrupted"]:
                self.stdout.write(
                    f"    {row['pending']} posts waiting, {row['interrupted']} interrupted "
                    "by a crash (check the channel; interrupted posts are not repeated)"
                )

    def do_remove(self, name, **_):
        deleted, _ = Channel.objects.filter(name=name).delete()
        if not deleted:
            raise CommandError(f"no channel {name}")
        self.stdout.write(f"removed {name}")

    def do_test(self, name, **_):
        channel = Channel.objects.filter(name=name).first()
        if channel is None:
            raise CommandError(f"no channel {name}")
        send_test_post(channel)
        self.stdout.write(f"{name}: sample post accepted by {channel.service}")
