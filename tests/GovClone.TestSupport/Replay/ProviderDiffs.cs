namespace GovClone.Tests.Support.Replay;

/// <summary>
/// How one provider diffs one resource type, as its own source says: the inputs whose change replaces the resource
/// (every other changed input is an in-place update, which runs the provider's Update), whether the provider asks
/// the engine to delete the old one first when it replaces, and the options the generated .NET SDK merges into every
/// registration of the type (its <c>MakeResourceOptions</c>: the engine applies them like the program's own).
/// </summary>
/// <param name="Type">The resource's type token.</param>
/// <param name="ReplacingInputs">Inputs (Pulumi names) whose change the provider reports as a replacement.</param>
/// <param name="DeleteBeforeReplace">The provider's DiffResponse asks for delete-before-replace when it replaces.</param>
/// <param name="SdkReplaceOnChanges">replaceOnChanges paths the SDK's constructor merges into the options.</param>
/// <param name="SdkAdditionalSecretOutputs">additionalSecretOutputs the SDK's constructor merges into the options.</param>
/// <param name="Update">What the provider's in-place update does, per changed input, in words.</param>
/// <param name="Source">The file, version and commit the rule was read from.</param>
public sealed record ProviderDiff(
    string Type,
    IReadOnlySet<string> ReplacingInputs,
    bool DeleteBeforeReplace,
    IReadOnlyList<string> SdkReplaceOnChanges,
    IReadOnlyList<string> SdkAdditionalSecretOutputs,
    string Update,
    string Source);

/// <summary>
/// The provider table the replay's <see cref="EngineModel"/> diffs with, one entry per type the program registers,
/// each read off the provider's source at the version the program pins (not from memory):
/// <list type="bullet">
/// <item><b>Pulumi.Command 1.2.1</b> = pulumi/pulumi-command tag v1.2.1 (commit 7f3eb6f3b77c), built on
/// pulumi-go-provider v1.3.0. <c>provider/pkg/provider/common/inputs.go</c>: <c>Triggers *[]any
/// `pulumi:"triggers,optional" provider:"replaceOnChanges"`</c>, the only replacing input (create, update, delete,
/// and in <c>local/base.go</c> stdin, logging, interpreter, dir, environment, addPreviousOutputInEnv are plain);
/// <c>local/commandController.go</c>: <c>Command</c> implements <c>CustomUpdate</c>, whose Update runs
/// <c>update</c>, else <c>create</c>, else nothing, and Delete runs the <c>delete</c> stored in the state;
/// pulumi-go-provider v1.3.0 <c>infer/resource.go</c> <c>Diff</c>: with a CustomUpdate only schema properties
/// marked replaceOnChanges replace, every other change is an update; and the generated SDK
/// (<c>sdk/dotnet/Local/Command.cs</c> and <c>Remote/Command.cs</c>, <c>MakeResourceOptions</c>) merges
/// <c>ReplaceOnChanges = { "triggers[*]" }</c> into every Command's options, so the engine replaces on any change
/// of a trigger whatever the provider's detailed diff says (pulumi/pulumi v3.258.0
/// <c>pkg/resource/deploy/step_generator.go</c> <c>applyReplaceOnChanges</c>).</item>
/// <item><b>Pulumi.PostgreSql 3.18.0</b> = pulumi/pulumi-postgresql tag v3.18.0 (commit b57d264d8aee), which
/// bridges cyrilgdn/terraform-provider-postgresql at its <c>upstream</c> submodule, commit ff936b9548c1
/// (v1.26.0+3), through pulumi-terraform-bridge v3.134.0. The bridge (<c>pkg/tfbridge/provider.go</c>,
/// <c>Diff</c>) replaces when a <c>ForceNew</c> attribute changes and updates in place otherwise (the resource's
/// Update function runs); it asks for delete-before-replace only when the resource's <c>ResourceInfo</c> says so
/// (<c>DeleteBeforeReplace</c>) or an auto-named name field requires it. pulumi-postgresql's
/// <c>provider/resources.go</c> sets <c>DeleteBeforeReplace: true</c> for <c>postgresql_grant</c> only and no
/// auto-naming. <c>postgresql/resource_postgresql_database.go</c>: ForceNew = <c>template</c>, <c>encoding</c>,
/// <c>lc_collate</c>, <c>lc_ctype</c>; <b><c>name</c> has no ForceNew</b>, and Update's <c>setDBName</c> runs
/// <c>ALTER DATABASE old RENAME TO new</c> (<c>owner</c>, <c>tablespace_name</c>, <c>connection_limit</c>,
/// <c>allow_connections</c>, <c>is_template</c>, <c>alter_object_ownership</c> are updates too).
/// <c>postgresql/resource_postgresql_grant.go</c>: ForceNew = <c>role</c>, <c>database</c>, <c>schema</c>,
/// <c>object_type</c>, <c>objects</c>, <c>columns</c>, <c>with_grant_option</c>; <c>privileges</c> is an update
/// (Update revokes and grants again). The provider's own config: the bridge's <c>DiffConfig</c> replaces only on a
/// key whose <c>SchemaInfo.ForcesProviderReplace</c> is set, and resources.go sets none (only defaults for
/// <c>sslmode</c> and <c>connect_timeout</c>): every config change is an in-place update.</item>
/// </list>
/// </summary>
public static class ProviderDiffs
{
    private const string CommandSource =
        "pulumi-command v1.2.1 (7f3eb6f3b77c): provider/pkg/provider/common/inputs.go (triggers: provider:\"replaceOnChanges\"), "
        + "provider/pkg/provider/local/commandController.go (CustomUpdate: update, else create), sdk/dotnet/Local/Command.cs "
        + "(MakeResourceOptions: ReplaceOnChanges triggers[*]; Remote/Command.cs also AdditionalSecretOutputs connection); pulumi-go-provider v1.3.0 infer/resource.go (Diff)";

    private const string PostgresSource =
        "pulumi-postgresql v3.18.0 (b57d264d8aee) provider/resources.go over terraform-provider-postgresql ff936b9548c1 (v1.26.0+3) ";

    public static readonly ProviderDiff LocalCommand = new(
        "command:local:Command",
        Set("triggers"),
        DeleteBeforeReplace: false,
        SdkReplaceOnChanges: ["triggers[*]"],
        SdkAdditionalSecretOutputs: [],
        Update: "runs `update`, else `create` again",
        CommandSource);

    public static readonly ProviderDiff RemoteCommand = LocalCommand with
    {
        Type = "command:remote:Command",
        SdkAdditionalSecretOutputs = ["connection"],
        Source = CommandSource.Replace("local/commandController.go", "remote/commandController.go", StringComparison.Ordinal)
            .Replace("Local/Command.cs", "Remote/Command.cs", StringComparison.Ordinal),
    };

    public static readonly ProviderDiff Database = new(
        "postgresql:index/database:Database",
        Set("template", "encoding", "lcCollate", "lcCtype"),
        DeleteBeforeReplace: false,
        SdkReplaceOnChanges: [],
        SdkAdditionalSecretOutputs: [],
        Update: "name: ALTER DATABASE old RENAME TO new (setDBName); owner, tablespaceName, connectionLimit, allowConnections, isTemplate: ALTER DATABASE",
        PostgresSource + "postgresql/resource_postgresql_database.go (ForceNew: template, encoding, lc_collate, lc_ctype; name is not ForceNew)");

    public static readonly ProviderDiff Grant = new(
        "postgresql:index/grant:Grant",
        Set("role", "database", "schema", "objectType", "objects", "columns", "withGrantOption"),
        DeleteBeforeReplace: true,
        SdkReplaceOnChanges: [],
        SdkAdditionalSecretOutputs: [],
        Update: "privileges: revoke, then grant what is listed (one transaction)",
        PostgresSource + "(postgresql_grant: DeleteBeforeReplace true) and postgresql/resource_postgresql_grant.go (ForceNew: role, database, schema, object_type, objects, columns, with_grant_option; privileges is not)");

    public static readonly ProviderDiff PostgresProvider = new(
        "pulumi:providers:postgresql",
        Set(),
        DeleteBeforeReplace: false,
        SdkReplaceOnChanges: [],
        SdkAdditionalSecretOutputs: ["password"],
        Update: "reconfigures the provider; nothing runs at the server",
        PostgresSource + "(Config: no ForcesProviderReplace), sdk/dotnet/Provider.cs (MakeResourceOptions: AdditionalSecretOutputs password) and pulumi-terraform-bridge v3.134.0 pkg/tfbridge/provider.go (configDiffer.DiffConfig)");

    public static IReadOnlyList<ProviderDiff> All { get; } = [LocalCommand, RemoteCommand, Database, Grant, PostgresProvider];

    /// <summary>The provider's rules for <paramref name="type"/>; a component or an unknown type has none (nothing replaces).</summary>
    public static ProviderDiff For(string type) =>
        All.FirstOrDefault(p => p.Type == type) ?? new ProviderDiff(type, Set(), false, [], [], "nothing", "a component: no provider");

    private static HashSet<string> Set(params string[] names) => new(names, StringComparer.Ordinal);
}
