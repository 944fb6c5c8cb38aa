using Interrogate.Tensors;

namespace Interrogate.Nn;

/// <summary>
/// A named activation in a model's forward pass (e.g. "blocks.0.mlp.hook_post"). By default it
/// passes its tensor through; inside a <see cref="HookScope"/> it can be cached, replaced
/// (ablation, patching) or marked to keep its gradient.
/// </summary>
public sealed class HookPoint(string localName)
{
    public string LocalName { get; } = localName;
    /// <summary>The dotted name from the model root; set by the root module.</summary>
    public string FullName { get; internal set; } = localName;

    /// <summary>The activation's shape for an input of [batch, seq] tokens, when the owning module declares it.</summary>
    public Func<int, int, int[]>? ShapeOf { get; set; }

    /// <summary>Hook points computed from this one and written back into it (a sparse dictionary's features).</summary>
    public List<HookAttachment> Attachments { get; } = [];

    /// <summary>True when the active hook scope caches, edits or keeps the gradient of this point.</summary>
    public bool IsWanted => HookScope.Current?.Wants(FullName) ?? false;

    /// <summary>
    /// True when <see cref="Apply"/> could see or change the activation: the active scope wants this
    /// point or one of its attachments. A fused path may skip a point that is not active.
    /// </summary>
    public bool IsActive => HookScope.Current is { } scope && (scope.Wants(FullName) || Attachments.Exists(a => scope.Wants(a.Name)));

    /// <summary>Runs the activation through the active hook scope, if any, then through each attachment the scope wants.</summary>
    public Tensor Apply(Tensor activation)
    {
        var scope = HookScope.Current;
        if (scope is null) return activation;
        activation = scope.Run(FullName, activation);
        foreach (var attachment in Attachments)
            if (scope.Wants(attachment.Name)) activation = attachment.Apply(FullName, activation, scope);
        return activation;
    }
}
