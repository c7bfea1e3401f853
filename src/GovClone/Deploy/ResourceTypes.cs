namespace GovClone.Deploy;

/// <summary>The type tokens of the Pulumi program's resources (Pulumi-free constants; the program and its tests use these).</summary>
public static class ResourceTypes
{
    public const string Stack = "pulumi:pulumi:Stack";
    public const string CloneDatabase = "govclone:postgres:CloneDatabase";
    public const string Clone = "govclone:clone:Clone";
    public const string SeededState = "govclone:governance:SeededState";
    public const string Compaction = "govclone:governance:Compaction";
    public const string RegressionSuite = "govclone:governance:RegressionSuite";
    public const string Branch = "govclone:branch:Branch";
    public const string BranchSuite = "govclone:branch:BranchSuite";
    public const string PostgresProvider = "pulumi:providers:postgresql";
    public const string Database = "postgresql:index/database:Database";
    public const string Grant = "postgresql:index/grant:Grant";
    public const string LocalCommand = "command:local:Command";

    /// <summary>The clone component's type before issue 24 (<see cref="Clone"/> now); only in aliases.</summary>
    public const string DumpRestore = "govclone:clone:DumpRestore";

    /// <summary>Pulumi's own ssh (Pulumi.Command remote), used by earlier versions of the program when govclone:sshPrivateKey was set; only in aliases now.</summary>
    public const string RemoteCommand = "command:remote:Command";

    public static bool IsComponent(string type) => type.StartsWith("govclone:", StringComparison.Ordinal);
}
