namespace GovClone.Deploy;

/// <summary>
/// The clone's stack, component by component, as the program instantiates it (components/, one file each):
/// <see cref="Database"/> → <see cref="Clone"/> → <see cref="SeededState"/> → (<see cref="Compaction"/>) →
/// <see cref="RegressionSuite"/>. Every server-side step is a govclone lever under the run lock.
/// </summary>
/// <remarks>A class, not a record: records may have no member named Clone.</remarks>
public sealed class CloneStackPlan(
    CloneDatabasePlan database,
    ClonePlan clone,
    SeededStatePlan seededState,
    CompactionPlan? compaction,
    RegressionSuitePlan regressionSuite)
{
    public CloneDatabasePlan Database { get; } = database;

    public ClonePlan Clone { get; } = clone;

    public SeededStatePlan SeededState { get; } = seededState;

    /// <summary>Null when govclone:compactGeneration is 0.</summary>
    public CompactionPlan? Compaction { get; } = compaction;

    public RegressionSuitePlan RegressionSuite { get; } = regressionSuite;
}

/// <summary>
/// The clone database as a Pulumi resource (component <c>database</c>, components/CloneDatabase.cs): the provider's
/// connection (<c>clone-server</c>), the database created empty on a new stack and never dropped or renamed by the
/// provider (<c>clone-database</c>), and PUBLIC's CONNECT and TEMPORARY revoked (<c>clone-no-public-connect</c>).
/// </summary>
public sealed record CloneDatabasePlan(ServerInputs Server, DatabaseInputs Database, GrantInputs PublicRevoked);

/// <summary>
/// The clone (component <c>clone</c>, components/Clone.cs): <see cref="Converge"/> runs <c>govclone clone</c> on create and
/// update and <c>govclone drop</c> on delete (<c>clone-converge</c>); <see cref="RetiredTemplateDrop"/> runs an
/// <c>echo</c>, kept so stacks made before the levers forget the old template Command's Delete
/// (<c>clone-template-drop-retired</c>). The rest is what the component reports.
/// </summary>
/// <param name="CloneMethod">govclone:cloneMethod as its word.</param>
/// <param name="RetainTemplate">govclone:retainTemplate as its word (auto, true, false).</param>
/// <param name="Masking">govclone:masking's identity (<c>none</c>, or <c>profile-&lt;12 hex&gt;</c>), as the clone's marker carries it (docs/masking.md).</param>
public sealed record ClonePlan(CommandStep Converge, CommandStep RetiredTemplateDrop, int Generation, string TemplateDatabase, string CloneMethod, string RetainTemplate, string Masking);

/// <summary>The seeded governance state (component <c>governance</c>, components/SeededState.cs): <c>govclone seed --profile P</c> (<c>governance-seed</c>).</summary>
/// <param name="Profile">govclone:seedProfile: committed or baseline.</param>
public sealed record SeededStatePlan(string Profile, CommandStep Seed);

/// <summary>VACUUM (FULL, ANALYZE) once per govclone:compactGeneration (component <c>compact</c>, components/Compaction.cs): <c>govclone compact</c> (<c>compact-vacuum-full</c>).</summary>
public sealed record CompactionPlan(int Generation, CommandStep Compact);

/// <summary>
/// The regression suite on every <c>pulumi up</c> (component <c>regression-suite</c>, components/RegressionSuite.cs):
/// <c>govclone up</c> then <c>govclone status</c> (<c>regression-suite-up</c>), whose JSON results are the stack outputs.
/// </summary>
/// <param name="CloneDatabase">The clone the results name (<see cref="StackOutputs.FromSuite(string, string?)"/>).</param>
public sealed record RegressionSuitePlan(string Profile, string CloneDatabase, CommandStep Up);
