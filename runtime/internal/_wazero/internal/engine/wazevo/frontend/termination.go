package frontend

import (
	"github.com/wasmgw/wasmgw/runtime/internal/_wazero/internal/engine/wazevo/ssa"
	"github.com/wasmgw/wasmgw/runtime/internal/_wazero/internal/engine/wazevo/wazevoapi"
)

// insertTerminationCheck emits the termination check of a loop header or a
// function entry when termination is ensured. It tests inline the called
// module's closed state (executionContext.moduleClosedPtr) and counts down
// executionContext.terminationCheckCountdown, and calls the
// checkModuleExitCode trampoline, an exit to Go, only when the module is
// closed or the countdown reaches zero:
//
//	countdown := execCtx.terminationCheckCountdown - 1
//	execCtx.terminationCheckCountdown = countdown
//	if *execCtx.moduleClosedPtr | uint64(countdown <= 0) != 0 {
//		checkModuleExitCode(execCtx) // fails if closed, else resets the countdown
//	}
//
// The periodic exit is kept on purpose: native code cannot be preempted, so
// without it a looping guest could starve the goroutine that would close its
// module and the garbage collector's stop-the-world.
//
// The check ends the current block: the code that follows is lowered into a
// new block, which the loop's back-edges still reach through the check.
func (c *Compiler) insertTerminationCheck() {
	builder := c.ssaBuilder
	execCtx := c.execCtxPtrValue

	countdown := builder.AllocateInstruction().
		AsLoad(execCtx, wazevoapi.ExecutionContextOffsetTerminationCheckCountdown.U32(), ssa.TypeI64).
		Insert(builder).Return()
	one := builder.AllocateInstruction().AsIconst64(1).Insert(builder).Return()
	next := builder.AllocateInstruction().AsIsub(countdown, one).Insert(builder).Return()
	builder.AllocateInstruction().
		AsStore(ssa.OpcodeStore, next, execCtx, wazevoapi.ExecutionContextOffsetTerminationCheckCountdown.U32()).
		Insert(builder)

	closedPtr := builder.AllocateInstruction().
		AsLoad(execCtx, wazevoapi.ExecutionContextOffsetModuleClosedPtr.U32(), ssa.TypeI64).
		Insert(builder).Return()
	closed := builder.AllocateInstruction().AsLoad(closedPtr, 0, ssa.TypeI64).Insert(builder).Return()

	zero := builder.AllocateInstruction().AsIconst64(0).Insert(builder).Return()
	expired := builder.AllocateInstruction().
		AsIcmp(next, zero, ssa.IntegerCmpCondSignedLessThanOrEqual).
		Insert(builder).Return()
	expired64 := builder.AllocateInstruction().AsUExtend(expired, 32, 64).Insert(builder).Return()
	or := builder.AllocateInstruction()
	or.AsBor(closed, expired64)
	builder.InsertInstruction(or)

	exitBlk, afterBlk := builder.AllocateBasicBlock(), builder.AllocateBasicBlock()
	builder.AllocateInstruction().AsBrnz(or.Return(), ssa.ValuesNil, exitBlk).Insert(builder)
	c.insertJumpToBlock(ssa.ValuesNil, afterBlk)

	builder.SetCurrentBlock(exitBlk)
	checkModuleExitCodePtr := builder.AllocateInstruction().
		AsLoad(execCtx, wazevoapi.ExecutionContextOffsetCheckModuleExitCodeTrampolineAddress.U32(), ssa.TypeI64).
		Insert(builder).Return()
	args := c.allocateVarLengthValues(1, execCtx)
	builder.AllocateInstruction().
		AsCallIndirect(checkModuleExitCodePtr, &c.checkModuleExitCodeSig, args).
		Insert(builder)
	c.insertJumpToBlock(ssa.ValuesNil, afterBlk)

	builder.SetCurrentBlock(afterBlk)
	builder.Seal(exitBlk)
	builder.Seal(afterBlk)
}
