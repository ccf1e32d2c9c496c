"""(being built)"""

from fastapi import APIRouter

router = APIRouter()


def mount_static(app) -> None:  # noqa: ANN001
    pass
