"""The marks and the protection of exported personal data (issue 11 item 8): the watermark of a job's file (who,
which unit, when, and a trace code), its reading back from a leaked file (`manage.py export_trace`), and the
encrypted archive a province may require (AES-256 zip, opened by 7-Zip, WinRAR, Bandizip or the system's
archive tool with the password shown once to the requester on the job's page).

The trace code is `XJ1-<job id>-<HMAC-SM3 tag>`: the tag (keyed from SECRET_KEY) proves the code was issued here,
so a forged or altered code is refused; the job leads to its creator, and its audited downloads
(`job.download`) to everyone who took the file."""

import secrets
import zipfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction

from xueji.core import clock
from xueji.core.crypto import digests_equal, hmac_sm3
from xueji.core.spreadsheets import Watermark, read_custom_properties
from xueji.jobs.models import Job

TRACE_PREFIX = "XJ1"
PASSWORD_BYTES = 12  # 16 URL-safe characters


def _tag(job_id: int) -> str:
    key = hmac_sm3(settings.SECRET_KEY.encode(), b"xueji.export-trace")
    return hmac_sm3(key, f"{TRACE_PREFIX}-{job_id}".encode()).hex()[:16]


def trace_code(job_id: int) -> str:
    return f"{TRACE_PREFIX}-{job_id}-{_tag(job_id)}"


def trace_job_id(code: str) -> int | None:
    """The job of a genuine trace code; None for a forged, altered or foreign one."""
    parts = (code or "").strip().split("-")
    if len(parts) != 3 or parts[0] != TRACE_PREFIX or not parts[1].isdigit():
        return None
    job_id = int(parts[1])
    return job_id if digests_equal(parts[2], _tag(job_id)) else None


def watermark_for(job: Job) -> Watermark:
    user = job.created_by
    unit = job.org_unit
    when = (job.started_at or clock.now()).astimezone(clock.SHANGHAI)
    return Watermark(user=f"{user.get_full_name() or user.username}（{user.username}）",
                     unit=f"{unit.name}（{unit.code}）",
                     time=f"{when:%Y-%m-%d %H:%M:%S} 北京时间", trace=trace_code(job.pk))


def encrypt_result(job: Job, path: Path) -> Path:
    """Put the finished file into an AES-256 zip beside it (the plain file is deleted), record the archive as the
    job's result and keep the password for the one showing to the requester (`password_reveal`)."""
    import pyzipper

    password = secrets.token_urlsafe(PASSWORD_BYTES)
    archive = path.with_name(path.name + ".zip")
    with pyzipper.AESZipFile(archive, "w", compression=pyzipper.ZIP_DEFLATED, encryption=pyzipper.WZ_AES) as zf:
        zf.setpassword(password.encode())
        zf.setencryption(pyzipper.WZ_AES, nbits=256)
        zf.write(path, arcname=path.name)
    path.unlink()
    job.result_file = str(Path(job.result_file).with_name(archive.name))
    Job.objects.filter(pk=job.pk).update(result_file=job.result_file, file_encrypted=True, file_password=password)
    return archive


@transaction.atomic
def password_reveal(*, actor, job: Job) -> str:
    """The archive's password, once, to the job's creator: it is then erased (one UPDATE that only one reader
    wins), so it never shows again, neither on the page nor in the database. Audited."""
    from xueji.audit.services import audit_record

    if not job.file_password or job.created_by_id != actor.pk:
        return ""
    password = job.file_password
    if not Job.objects.filter(pk=job.pk, file_password__isnull=False).update(file_password=None):
        return ""
    job.file_password = None
    audit_record(actor=actor, action="job.password_shown", obj=job, after={"file": job.result_file})
    return password


@dataclass
class Trace:
    code: str
    job: Job | None
    properties: dict[str, str]


def trace_read(path: str | Path, *, password: str | None = None) -> Trace:
    """The trace of an exported file (the xlsx, or the encrypted archive with its password): its custom
    properties and the job its code leads to (None when the code is missing or not genuine)."""
    import pyzipper

    with pyzipper.AESZipFile(path) as outer:
        names = outer.namelist()
        if "docProps/custom.xml" not in names and len(names) == 1 and names[0].endswith(".xlsx"):
            if password:
                outer.setpassword(password.encode())
            import io

            with zipfile.ZipFile(io.BytesIO(outer.read(names[0]))) as inner:
                properties = read_custom_properties(inner)
        else:
            properties = read_custom_properties(outer)
    code = properties.get(Watermark.TRACE_PROPERTY, "")
    job_id = trace_job_id(code)
    job = Job.objects.select_related("created_by", "org_unit").filter(pk=job_id).first() if job_id else None
    return Trace(code=code, job=job, properties=properties)
