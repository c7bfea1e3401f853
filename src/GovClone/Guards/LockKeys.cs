namespace GovClone.Guards;

/// <summary>
/// The advisory-lock keys govclone takes in the maintenance database, defined once: the run lock of a clone (or of a
/// branch, keyed by the branch's database name), the clone's spare lock and its branch-budget lock. Each is FNV-1a of
/// <c>govclone:&lt;name&gt;[:&lt;what&gt;]</c>, so other tools' locks never collide, and no database name holds a colon, so
/// no two keys of different kinds collide either. The SQL never computes a key: <c>holder_check.sql</c> is given it.
/// </summary>
public static class LockKeys
{
    /// <summary>The run lock of <paramref name="database"/>: a clone, or a branch (its database name).</summary>
    public static long Run(string database) => Hash("govclone:" + database);

    /// <summary>The spare lock of the clone <paramref name="clone"/>: its family beyond the clone itself (the spare, <c>_old</c>, the template).</summary>
    public static long Spare(string clone) => Run(clone + ":spare");

    /// <summary>The short lock the branch budget's second check of <paramref name="clone"/>'s branches runs under.</summary>
    public static long Budget(string clone) => Run(clone + ":branches");

    private static long Hash(string text)
    {
        var hash = 14695981039346656037UL;
        foreach (var b in System.Text.Encoding.UTF8.GetBytes(text))
        {
            hash ^= b;
            hash *= 1099511628211UL;
        }

        return unchecked((long)hash);
    }
}
