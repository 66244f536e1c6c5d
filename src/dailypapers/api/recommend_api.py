"""GET /api/recommendations (issue 13): "for you" for the token's owner, in the CLI's shape."""

from typing import Literal

from ninja import Query, Schema

from ..core.errors import json_error
from ..recommend.foryou import DEFAULT_LIMIT, for_user
from ..recommend.service import DEFAULT_WINDOW, MAX_LIMIT, as_json
from .rest import ErrorOut, api, bearer


class Why(Schema):
    because: list[str]
    terms: list[str]


class RecommendationsOut(Schema):
    ids: list[str]
    why: dict[str, Why]


@api.get(
    "/recommendations",
    auth=bearer,
    response={200: RecommendationsOut, 401: ErrorOut, 422: ErrorOut, 503: ErrorOut},
    summary="New papers ranked for you, each with why: the library papers it is near, its terms",
    description="Ranks the window's new papers by your saved papers (only those tagged `tag` "
    'when given), your upvotes unless you turned that off, and your "not interested" papers; '
    "saved and dismissed papers never appear. `why[id].because` lists arXiv ids from your "
    "library (the same shape as `dailypapers recommend --json`).",
    tags=["library"],
)
def recommendations(
    request,
    window: Literal["day", "week", "month", "all"] = Query(DEFAULT_WINDOW),
    tag: str | None = Query(None, max_length=100, description="a tag's slug or name"),
    limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT),
):
    result = for_user(request.auth, tag=tag, window=window, limit=limit)
    if result.index_missing:
        return json_error(503, "index_missing", "the search index is not built yet")
    return as_json(result.found)
