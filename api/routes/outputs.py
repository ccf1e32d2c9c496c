"""Downloads of the files jobs produced (a packet's documents, its bundle, the packet's zip):
``GET``/``HEAD /api/cases/{case_id}/outputs/{output_id}``, streamed by
:func:`api.downloads.stored_file_response` (``Range``, ``If-Range``, ``If-None-Match``; the
``ETag`` is the SHA-256). An external counsel reaches the outputs of its firm's cases only;
every download is written to the audit log with the file name and SHA-256."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, Response

from api.audit import record
from api.deps import CurrentUser, RowId, SessionDep, VisibleCase, client_address
from api.downloads import DOWNLOAD_RESPONSES, MEDIA_TYPES, stored_file_response
from api.models import Blob, Output

router = APIRouter(prefix="/api/cases", tags=["输出文件"])


@router.get("/{case_id}/outputs/{output_id}", name="download_output", response_class=Response,
            responses=DOWNLOAD_RESPONSES)
@router.head("/{case_id}/outputs/{output_id}", name="download_output", operation_id="head_output", response_class=Response,
             responses=DOWNLOAD_RESPONSES)
def download_output(output_id: RowId, case: VisibleCase, request: Request, s: SessionDep, user: CurrentUser) -> Response:
    """Download a file a job produced for the case, under its name in the packet (the last part
    of ``name``). 404 when it is not this case's."""
    output = s.get(Output, output_id)
    if output is None or output.case_pk != case.id:
        raise HTTPException(404, "输出文件不存在")
    blob = s.get(Blob, output.sha256)
    kind = next((k for k in (blob.kind if blob else None, output.kind) if k in MEDIA_TYPES), None)

    def audit(detail: str) -> None:
        record(s, user, "output.download", case_id=case.case_id, file_name=output.name, sha256=output.sha256,
               detail=detail, address=client_address(request))

    return stored_file_response(request, request.app.state.store, sha256=output.sha256, size=output.size,
                                name=output.name, kind=kind, on_download=audit)
