namespace Interrogate.Analysis.Verdicts;

/// <summary>What the evidence says about one candidate neuron and a concept.</summary>
public enum Verdict
{
    /// <summary>Strong encoding and a specific causal effect: ablating it hurts concept predictions more than random neurons do, and more than control predictions.</summary>
    Responsible,
    /// <summary>Strong encoding but no specific causal effect: it carries the information, the model does not rely on it alone.</summary>
    EncodesButUnused,
    /// <summary>A specific causal effect but weak encoding: it matters for the concept without tracking it.</summary>
    Contributes,
    /// <summary>Neither.</summary>
    None,
}

public static class VerdictNames
{
    /// <summary>The stable name used in JSON and tables: responsible, encodes-but-unused, contributes, none.</summary>
    public static string Name(this Verdict verdict) => verdict switch
    {
        Verdict.Responsible => "responsible",
        Verdict.EncodesButUnused => "encodes-but-unused",
        Verdict.Contributes => "contributes",
        _ => "none",
    };
}
