// Every model bound to one database. Built by a factory (nothing on import),
// so a test can hold two databases in one process.
import type { Sequelize } from 'sequelize';
import { defineRole, type Role } from '#app/models/role';
import { defineUser, type User } from '#app/models/user';

export interface Models {
  User: typeof User;
  Role: typeof Role;
}

export function defineModels(sequelize: Sequelize): Models {
  const User = defineUser(sequelize);
  const Role = defineRole(sequelize);
  User.belongsToMany(Role, { through: 'user_roles', foreignKey: 'user_id', otherKey: 'role_id', timestamps: false, as: 'roles' });
  Role.belongsToMany(User, { through: 'user_roles', foreignKey: 'role_id', otherKey: 'user_id', timestamps: false, as: 'users' });
  return { User, Role };
}
