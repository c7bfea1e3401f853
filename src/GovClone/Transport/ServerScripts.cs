using System.Globalization;
using System.Text;
using GovClone.Configuration;
using GovClone.Guards;
using GovClone.Lifecycle;
using GovClone.Sql;

namespace GovClone.Transport;

/// <summary>
/// The bash scripts that run at the server, for the CLI and for the Pulumi Commands alike. They contain
/// no secret (psql and pg_dump read PGPASSWORD / PGPASSFILE from the environment) and every SQL text in
/// them is a quoted here-document, so nothing in it is expanded by any shell.
/// </summary>
public static class ServerScripts
{
    /// <summary>Start of the database comment that marks a finished clone. A database without it is incomplete.</summary>
    public const string CompleteMarker = "govclone:complete";

    /// <summary>
    /// application_name of the clone script's sessions. A run that takes the lock ends any session of this
    /// name left on the clone: with the lock held, it can only belong to a run whose tool was killed.
    /// </summary>
    public const string CloneApplicationName = "govclone-clone";

    private const string HereDoc = "GOVCLONE_SQL";

    /// <summary>The marker a finished clone of this generation carries (before its timestamp).</summary>
    public static string MarkerFor(GovCloneSettings s) =>
        $"{CompleteMarker} source={s.SourceDatabase} generation={s.CloneGeneration.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>
    /// clone: ensure the database exists and is closed to PUBLIC; if it already carries this generation's
    /// marker, copy nothing; otherwise empty any partial restore, stream <c>pg_dump SOURCE | psql CLONE</c> in
    /// one transaction with ON_ERROR_STOP (an interrupted restore rolls back), ANALYZE, and only then write
    /// the marker. So an interrupted clone is never taken for a complete one, and re-running converges.
    /// </summary>
    /// <param name="s">The stack's settings.</param>
    /// <param name="t">The transport the script's tools are reached through.</param>
    /// <param name="force">Re-clone even when the clone is complete.</param>
    /// <param name="holder">
    /// The run lock this clone runs under (govclone passes its own). The script then proves, before it
    /// empties the clone, at the start of the restore and before it marks the clone complete, that this
    /// lock is still held by that session: a run whose tool was killed (the server-side script goes on
    /// as an orphan) can never wipe a newer run's clone nor mark a clone complete under it.
    /// </param>
    public static string Clone(GovCloneSettings s, ServerTransport t, bool force = false, LockHolder? holder = null)
    {
        ArgumentNullException.ThrowIfNull(s);
        ArgumentNullException.ThrowIfNull(t);
        DatabaseNameGuard.RequireClone(s.CloneDatabase, s.SourceDatabase);
        var clone = s.CloneDatabase;
        var cloneLit = DatabaseNameGuard.QuoteLiteral(clone);
        var cloneIdent = DatabaseNameGuard.QuoteIdentifier(clone);
        var psql = ShellQuote.Join([t.Tool("psql"), .. t.ConnectionArgs, "-X", "-q", "-v", "ON_ERROR_STOP=1"]);
        var pgDump = ShellQuote.Join([t.Tool("pg_dump"), .. t.ConnectionArgs, "--no-owner", "--no-privileges", "-d", s.SourceDatabase]);
        var marker = MarkerFor(s);

        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"""
            # govclone clone: stream pg_dump {s.SourceDatabase} | psql {clone} (generation {s.CloneGeneration})
            # Runs with bash at the database server. Passwords come from PGPASSWORD/PGPASSFILE, never from this text.
            govclone_clone() {'{'}
            set -euo pipefail
            maint() {'{'} {psql} -d {ShellQuote.Word(s.MaintenanceDatabase)} "$@"; {'}'}
            in_clone() {'{'} {psql} -d {ShellQuote.Word(clone)} "$@"; {'}'}

            echo "govclone: clone 1/5: database {clone} exists, closed to PUBLIC"
            if [ -z "$(maint -tA -c "SELECT 1 FROM pg_database WHERE datname = {cloneLit}")" ]; then
              maint -c {ShellQuote.Word("CREATE DATABASE " + cloneIdent)}
            fi
            maint -c {ShellQuote.Word($"REVOKE CONNECT, TEMPORARY ON DATABASE {cloneIdent} FROM PUBLIC")}
            marker="$(maint -tA -c "SELECT coalesce(shobj_description(oid, 'pg_database'), '') FROM pg_database WHERE datname = {cloneLit}")"

            """);
        if (!force)
        {
            sb.Append(CultureInfo.InvariantCulture, $"""
                case "$marker" in
                  {ShellQuote.Word(marker + " ")}*)
                    echo "govclone: clone is complete ($marker); nothing copied"
                    echo "govclone: changed=false"
                    return 0 ;;
                esac

                """);
        }

        sb.Append(CultureInfo.InvariantCulture, $"""
            echo "govclone: clone 2/5: unmark and empty any earlier or partial restore"
            {StillOurs(holder)}maint -c {ShellQuote.Word($"COMMENT ON DATABASE {cloneIdent} IS NULL")}
            in_clone <<'{HereDoc}'
            {GuardPreamble(clone)}
            DO $wipe$
            DECLARE s record;
            BEGIN
              FOR s IN SELECT nspname FROM pg_namespace
                       WHERE nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
                         AND nspname NOT LIKE 'pg\_temp\_%' AND nspname NOT LIKE 'pg\_toast\_temp\_%'
              LOOP
                EXECUTE format('DROP SCHEMA %I CASCADE', s.nspname);
              END LOOP;
              CREATE SCHEMA public;
            END
            $wipe$;
            {HereDoc}

            echo "govclone: clone 3/5: streaming pg_dump {s.SourceDatabase} | psql {clone} (one transaction, ON_ERROR_STOP)"
            # One transaction, committed only when pg_dump has exited 0: if pg_dump dies mid-stream (even in
            # the middle of a COPY), psql reaches EOF with the transaction still open and the server rolls it
            # back. (psql --single-transaction would COMMIT at EOF: a truncated dump would be committed.)
            {'{'}
              cat <<'{HereDoc}'
            BEGIN;
            {GuardPreamble(clone)}{HolderCheck(holder)}
            {HereDoc}
              PGOPTIONS='-c default_transaction_read_only=on' {pgDump} && echo 'COMMIT;'
            {'}'} | in_clone -o /dev/null

            echo "govclone: clone 4/5: ANALYZE (a restore has no planner statistics)"
            in_clone <<'{HereDoc}'
            {GuardPreamble(clone)}
            ANALYZE;
            {HereDoc}

            echo "govclone: clone 5/5: mark complete"
            maint <<'{HereDoc}'
            {HolderCheck(holder).TrimStart('\n')}
            DO $mark$
            BEGIN
              IF {cloneLit} NOT LIKE 'directus\_gov\_test\_%' THEN
                RAISE EXCEPTION 'govclone guard: refusing to mark %', {cloneLit};
              END IF;
              EXECUTE format('COMMENT ON DATABASE %I IS %L', {cloneLit},
                {DatabaseNameGuard.QuoteLiteral(marker + " at=")} || to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'));
            END
            $mark$;
            {HereDoc}
            echo "govclone: clone complete"
            echo "govclone: changed=true"
            {'}'}
            govclone_clone </dev/null

            """);
        return sb.ToString();
    }

    /// <summary>Runs SQL text with psql in <paramref name="database"/>, ON_ERROR_STOP, the guard's expectation pinned first.</summary>
    public static string Psql(ServerTransport t, string database, string sql, bool expectDatabase = true)
    {
        ArgumentNullException.ThrowIfNull(t);
        ArgumentNullException.ThrowIfNull(sql);
        if (sql.Split('\n').Any(l => l.Trim() == HereDoc))
        {
            throw new ArgumentException($"SQL text contains the here-document terminator {HereDoc}", nameof(sql));
        }

        var psql = ShellQuote.Join([t.Tool("psql"), .. t.ConnectionArgs, "-X", "-v", "ON_ERROR_STOP=1", "-P", "pager=off", "-d", database]);
        var preamble = expectDatabase ? SqlScripts.ExpectDatabase(database) + "\n" : string.Empty;
        return $"""
            set -euo pipefail
            {psql} <<'{HereDoc}'
            {preamble}{sql.TrimEnd()}
            {HereDoc}

            """;
    }

    private static string StillOurs(LockHolder? holder) => holder is null ? string.Empty : $"""
        maint <<'{HereDoc}'{HolderCheck(holder)}
        {HereDoc}

        """;

    /// <summary>SQL that fails unless the run lock is still held by the session that started this clone.</summary>
    private static string HolderCheck(LockHolder? holder) => holder is null ? string.Empty : string.Create(CultureInfo.InvariantCulture, $"""

        DO $holder$
        BEGIN
          IF NOT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted AND pid = {holder.BackendPid}
                         AND classid = {(uint)(holder.Key >> 32)}::oid AND objid = {(uint)holder.Key}::oid AND objsubid = 1) THEN
            RAISE EXCEPTION 'govclone guard: the run that started this clone (lock session pid {holder.BackendPid}) is gone; stopping without marking it complete';
          END IF;
        END
        $holder$;
        """);

    private static string GuardPreamble(string clone) =>
        SqlScripts.ExpectDatabase(clone) + "\n" + GuardBlock;

    /// <summary>The guard block that opens every mutating .sql file (read from seed_committed_state.sql, so there is one text).</summary>
    public static string GuardBlock { get; } = ExtractGuard();

    private static string ExtractGuard()
    {
        var text = SqlScripts.Get(SqlScripts.SeedCommitted);
        var start = text.IndexOf("DO $guard$", StringComparison.Ordinal);
        const string endTag = "$guard$;";
        var end = start < 0 ? -1 : text.IndexOf(endTag, start + "DO $guard$".Length, StringComparison.Ordinal);
        if (start < 0 || end < 0)
        {
            throw new InvalidOperationException("seed_committed_state.sql has no guard block");
        }

        return text[start..(end + endTag.Length)];
    }
}
