namespace Interrogate.Tests.Fuzz;

/// <summary>
/// What one case runs: the arguments, the flag or file its error must name (<paramref name="Mentions"/>,
/// or else <paramref name="OrMentions"/>: a flag's error may name the file it was given), and the output path that must stay untouched.
/// </summary>
public sealed record FuzzSpec(string[] Args, string Mentions, string? Output = null, string? OrMentions = null);

/// <summary>One malformed input: its class (for the totals), a name, and how to build it in a fresh folder of its own.</summary>
public sealed record FuzzCase(string Class, string Name, Func<string, FuzzSpec> Build);
