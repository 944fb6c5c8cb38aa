using System.Text.Json;
using System.Text.Json.Serialization;

namespace Interrogate.Analysis.Verdicts;

/// <summary>What the evidence says about one candidate unit, a concept and a role.</summary>
[JsonConverter(typeof(KebabEnumConverter<Verdict>))]
public enum Verdict
{
    /// <summary>Strong encoding and a causal effect that beats the random units after correction, with the effect's and the specificity's intervals above zero.</summary>
    Responsible,
    /// <summary>Strong encoding but no such causal effect: it carries the information, the model does not rely on it alone.</summary>
    EncodesButUnused,
    /// <summary>Such a causal effect but weak encoding: it matters for the concept without tracking it.</summary>
    Contributes,
    /// <summary>Neither.</summary>
    None,
}

public static class VerdictNames
{
    /// <summary>The stable name used in JSON and tables: responsible, encodes-but-unused, contributes, none.</summary>
    public static string Name(this Verdict verdict) => JsonNamingPolicy.KebabCaseLower.ConvertName(verdict.ToString());
}

/// <summary>Writes enum members as kebab-case strings ("encodes-but-unused", "detector").</summary>
public sealed class KebabEnumConverter<T>() : JsonStringEnumConverter<T>(JsonNamingPolicy.KebabCaseLower) where T : struct, Enum;
