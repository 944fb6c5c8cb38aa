using Interrogate.Tensors;

namespace Interrogate.Nn;

/// <summary>
/// A piece of a network with named parameters, child modules and hook points. Names are derived
/// from the module tree ("blocks.3.mlp.W_in"), so every parameter and activation is addressable.
/// </summary>
public abstract class Module
{
    private readonly List<(string Name, Tensor Tensor)> parameters = [];
    private readonly List<(string Name, Module Module)> children = [];
    private readonly List<HookPoint> hookPoints = [];

    /// <summary>
    /// Set on models loaded from files: a forward pass whose output holds NaN or ±Inf throws naming
    /// the first hook point where one appears (<see cref="NonFiniteOutput"/>) rather than handing it on.
    /// Off for models built in memory, whose training may explore settings that diverge.
    /// </summary>
    public bool RefuseNonFinite { get; set; }

    /// <summary>Dropout and similar behave differently in training.</summary>
    public bool Training { get; private set; }

    /// <summary>Switches this module and its children between training and evaluation behaviour.</summary>
    public void SetTraining(bool training)
    {
        Training = training;
        foreach (var (_, child) in children) child.SetTraining(training);
    }

    /// <summary>Registers a trainable tensor under a local name; it requires grad from now on.</summary>
    protected Tensor AddParameter(string name, Tensor tensor)
    {
        tensor.RequiresGrad = true;
        tensor.Name = name;
        parameters.Add((name, tensor));
        return tensor;
    }

    protected T AddModule<T>(string name, T module) where T : Module
    {
        children.Add((name, module));
        return module;
    }

    /// <summary>Declares an activation point; its full name is set when the tree is named.</summary>
    protected HookPoint AddHookPoint(string name)
    {
        var hook = new HookPoint(name);
        hookPoints.Add(hook);
        return hook;
    }

    /// <summary>Every parameter with its full dotted name, in registration order.</summary>
    public IEnumerable<(string Name, Tensor Tensor)> NamedParameters(string prefix = "")
    {
        foreach (var (name, t) in parameters) yield return (prefix + name, t);
        foreach (var (name, child) in children)
            foreach (var p in child.NamedParameters(prefix + name + ".")) yield return p;
    }

    public IEnumerable<Tensor> Parameters() => NamedParameters().Select(p => p.Tensor);

    /// <summary>Every hook point with its full dotted name (TransformerLens style), in forward order of declaration.</summary>
    public IEnumerable<HookPoint> HookPoints(string prefix = "")
    {
        foreach (var h in hookPoints) { h.FullName = prefix + h.LocalName; yield return h; }
        foreach (var (name, child) in children)
            foreach (var h in child.HookPoints(prefix + name + ".")) yield return h;
    }

    /// <summary>Gives every hook point its full name; call once after construction of the root.</summary>
    protected void NameHookPoints()
    {
        foreach (var _ in HookPoints()) { }
    }

    public long ParameterCount() => NamedParameters().Sum(p => (long)p.Tensor.Size);

    public void ZeroGrad()
    {
        foreach (var p in Parameters()) p.Grad = null;
    }
}
