namespace GovClone.Transport;

/// <summary>
/// What of the caller's environment govclone's psql, pg_dump and pg_restore runs never inherit, because it would send
/// a session elsewhere or change what it does: libpq's service files and session options, and psql's startup file.
/// <see cref="ServerTransport.Environment"/> takes them out of every run, and the engine unsets them again itself
/// (engine/lib.sh, for a run by hand or inside a container). govclone's own session options are then set from
/// nothing: the engine's <c>PGOPTIONS</c> (its <c>govclone.*</c> settings, the source's read-only sessions, a lane's
/// <c>maintenance_work_mem</c>), and on its Npgsql sessions the connection string's (<see cref="Connections"/>).
/// </summary>
public static class CallerEnvironment
{
    /// <summary>psql's startup file: never the caller's (<c>/dev/null</c>; every psql also runs with <c>-X</c>).</summary>
    public const string Psqlrc = "PSQLRC";

    /// <summary>
    /// libpq variables removed from every run's environment and unset by engine/lib.sh (a test holds the two lists
    /// equal). The host, port and user are not among them: govclone names those itself (<c>-h -p -U</c>) on the local
    /// transport, and inside a container they are the container's.
    /// </summary>
    public static IReadOnlyList<string> Removed { get; } =
    [
        "PGOPTIONS",            // -c settings for every session: default_transaction_read_only, search_path, …
        "PGSERVICE",            // a service entry, which brings a host, port, database and options of its own
        "PGSERVICEFILE",        // where the service entries are read from
        "PGSYSCONFDIR",         // where the system-wide pg_service.conf is read from
        "PGHOSTADDR",           // an address connected to instead of the host govclone names
        "PGDATABASE",           // every session names its database; none falls back to this
        "PGTARGETSESSIONATTRS", // which of several hosts a session accepts
        "PGLOADBALANCEHOSTS",   // the order hosts are tried in
        "PGCLIENTENCODING",     // the client encoding (pg_dump writes its dump in it)
        "PGDATESTYLE",          // how dates are written and read
        "PGTZ",                 // the session's time zone
        "PGGEQO",               // the planner's genetic query optimizer
    ];
}
