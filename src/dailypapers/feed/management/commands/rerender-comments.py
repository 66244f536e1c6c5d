from django.core.management.base import BaseCommand

from ...comment_markup import RENDER_VERSION
from ...services import rerender_comments


class Command(BaseCommand):
    help = (
        "Render again the stored HTML of every comment an older Markdown renderer made "
        f"(render version below {RENDER_VERSION}); run it after an upgrade."
    )

    def handle(self, *args, **options):
        done = rerender_comments(
            progress=lambda n: n % 1000 == 0 and self.stderr.write(f"{n} comments rendered")
        )
        self.stdout.write(f"{done} comments rendered again")
