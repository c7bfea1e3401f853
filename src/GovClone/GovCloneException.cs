namespace GovClone;

/// <summary>Base of every failure the core reports on purpose. <see cref="ExitCode"/> is what the CLI exits with.</summary>
public class GovCloneException : Exception
{
    public GovCloneException(string message, Exception? inner = null) : base(message, inner) { }

    /// <summary>0 success, 1 drift or failed check, 2 bad input or refused by a guard.</summary>
    public virtual int ExitCode => 1;
}

/// <summary>A setting or argument is wrong. Names the setting and the fix; nothing was mutated.</summary>
public sealed class ConfigurationException : GovCloneException
{
    public ConfigurationException(string setting, string problem, string fix)
        : base($"{setting}: {problem}. Fix: {fix}")
    {
        Setting = setting;
        Problem = problem;
        Fix = fix;
    }

    public string Setting { get; }
    public string Problem { get; }
    public string Fix { get; }
    public override int ExitCode => 2;
}

/// <summary>A guard refused an operation (wrong target, production, isolation). Nothing was mutated.</summary>
public sealed class GuardException : GovCloneException
{
    public GuardException(string setting, string problem, string fix)
        : base($"refused: {setting}: {problem}. Fix: {fix}")
    {
        Setting = setting;
        Fix = fix;
    }

    public string Setting { get; }
    public string Fix { get; }
    public override int ExitCode => 2;
}

/// <summary>An operation ran and failed (restore error, unreachable server, lock held).</summary>
public sealed class OperationFailedException : GovCloneException
{
    public OperationFailedException(string message, Exception? inner = null) : base(message, inner) { }
}
