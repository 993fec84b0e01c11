"""`migrate` as the owner role: with DATABASE_OWNER_URL set, Django's migrate runs on the owner's connection
(the application's role cannot create or alter tables), then grants the application's role (DATABASE_URL)
its privileges again: the business tables read and write, the audit log read and append only."""

from django.core.management.commands import migrate

from xueji.audit.maintenance import app_role_grant, owner_role_use


class Command(migrate.Command):
    help = (migrate.Command.help + " With DATABASE_OWNER_URL set, runs as that owner role and then grants the "
            "application's role (DATABASE_URL) its privileges (append-only on the audit log).")

    def handle(self, *args, **options):
        database = options["database"]
        app_role = owner_role_use(database)
        super().handle(*args, **options)
        if app_role:
            app_role_grant(role=app_role, using=database)
            if options["verbosity"] >= 1:
                self.stdout.write(f"Granted the application's role {app_role!r} its privileges "
                                  "(audit log: SELECT, INSERT only).")
