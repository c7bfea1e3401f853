using GovClone.Branches;

namespace GovClone.Deploy;

/// <summary>A branch stack (govclone:branchOf), component by component: <see cref="Branch"/> → <see cref="Suite"/>.</summary>
public sealed record BranchStackPlan(BranchPlan Branch, BranchSuitePlan Suite);

/// <summary>
/// The branch (component <c>branch</c>, components/Branch.cs): <c>govclone branch create NAME</c> on create and update,
/// <c>govclone branch drop NAME</c> on delete (<c>branch-create</c>).
/// </summary>
/// <param name="Name">The branch and its database.</param>
/// <param name="Parent">The parent clone (govclone:branchOf).</param>
/// <param name="Owner">The owner label its marker carries (the stack's name).</param>
public sealed record BranchPlan(BranchName Name, string Parent, string Owner, CommandStep Create);

/// <summary>
/// The branch's suite on every <c>pulumi up</c> (component <c>branch-suite</c>, components/BranchSuite.cs): the same
/// <c>govclone branch create</c> line (<c>branch-suite-run</c>), whose JSON result is the stack outputs.
/// </summary>
public sealed record BranchSuitePlan(string Profile, CommandStep Run);
